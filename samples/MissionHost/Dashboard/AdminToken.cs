using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace MissionHost.Dashboard;

/// <summary>
/// The admin bearer token from configuration (<c>Dashboard:AdminToken</c>); the identity it authenticates is what the
/// audit trail records as <c>rotatedBy</c>, never anything the request says about itself. A configured token must be
/// as strong as a generated one.
/// </summary>
internal sealed class AdminToken
{
    /// <summary>The shortest token accepted: a generated one is 32 characters.</summary>
    public const int MinimumLength = 32;

    /// <summary>Shannon entropy of the token's characters, in bits, that a configured token must reach (a generated one has about 150).</summary>
    public const double MinimumEntropyBits = 128;

    private readonly byte[] _token;

    public AdminToken(string token, string identity)
    {
        string? weakness = Weakness(token);
        if (weakness is not null)
        {
            throw new ConfigurationException($"Dashboard:AdminToken is too weak: {weakness}. Use a random token of at least {MinimumLength} characters (for example: head -c 24 /dev/urandom | base64).");
        }

        _token = Encoding.UTF8.GetBytes(token);
        Identity = identity;
    }

    public string Identity { get; }

    public bool TryAuthenticate(HttpRequest request, out string identity)
    {
        identity = Identity;
        string header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Constant time, so the comparison does not reveal how much of a guess was right.
        byte[] presented = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _token);
    }

    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Why a token is too weak, or null. The message never contains the token.</summary>
    internal static string? Weakness(string token)
    {
        if (token.Length < MinimumLength)
        {
            return $"it has {token.Length} characters, fewer than {MinimumLength}";
        }

        double bits = token.GroupBy(c => c).Sum(g =>
        {
            double p = (double)g.Count() / token.Length;
            return -p * Math.Log2(p);
        }) * token.Length;
        return bits < MinimumEntropyBits ? $"its characters carry about {bits:F0} bits of entropy, fewer than {MinimumEntropyBits:F0}" : null;
    }
}

/// <summary>A configuration mistake found at start: exit code 2 with the message.</summary>
internal sealed class ConfigurationException(string message) : Exception(message);
