using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace MissionHost.Dashboard;

/// <summary>
/// The admin bearer token from configuration (<c>Dashboard:AdminToken</c>); the identity it authenticates is what the
/// audit trail records as <c>rotatedBy</c>, never anything the request says about itself.
/// </summary>
internal sealed class AdminToken(string token, string identity)
{
    private readonly byte[] _token = Encoding.UTF8.GetBytes(token);

    public string Identity { get; } = identity;

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
}
