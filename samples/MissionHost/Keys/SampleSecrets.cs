using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MissionHost.Keys;

/// <summary>
/// The sample's made-up data, derived from names so that <c>verify</c> can prove nothing was lost: each profile's API
/// key comes from its email, each pre-Phase-9 mission's cost from its name.
/// </summary>
internal static class SampleSecrets
{
    public static string Email(long number) => string.Create(CultureInfo.InvariantCulture, $"user{number}@example.com");

    /// <summary>The API key a profile with this email holds.</summary>
    public static string ApiKey(string email) =>
        "sk-live-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("missionhost-sample:" + email)).AsSpan(0, 16));

    /// <summary>The credits a pre-Phase-9 mission of this name cost.</summary>
    public static long LegacyMissionCost(string name) => 10 + (BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0) % 200);
}
