using Microsoft.Extensions.Configuration;
using MissionHost.Hosting;
using VersionedEnvelope.Pkcs11;
using VersionedEnvelope;

namespace MissionHost.Keys;

/// <summary>
/// How the sample protects its key ring, from <c>MissionHost:KeyProtection</c>: <c>rootKey</c> (the default: the key in
/// <c>MISSIONHOST_ROOT_KEY</c>, or a development key file beside the database) or <c>pkcs11</c> (a key on an HSM token,
/// from <c>MissionHost:Pkcs11:*</c> in configuration or the environment, <c>MissionHost__Pkcs11__UserPin</c> say).
/// </summary>
internal sealed record KeyProtectionSource(string Kind)
{
    public const string Key = "MissionHost:KeyProtection";
    public const string RootKey = "rootKey";
    public const string Pkcs11 = "pkcs11";

    public bool IsPkcs11 => Kind == Pkcs11;

    /// <summary>The environment variable that holds the root key (<c>MissionHost:RootKeyEnvironmentVariable</c>).</summary>
    public static string RootKeyVariable(IConfiguration configuration) =>
        configuration["MissionHost:RootKeyEnvironmentVariable"] ?? "MISSIONHOST_ROOT_KEY";

    public static KeyProtectionSource Read(IConfiguration configuration)
    {
        string kind = configuration[Key] ?? RootKey;
        return kind is RootKey or Pkcs11
            ? new KeyProtectionSource(kind)
            : throw new SampleException($"{Key} is '{kind}': use '{RootKey}' (the default) or '{Pkcs11}'.");
    }

    public void Apply(IVersionedEnvelopeBuilder envelope, IConfiguration configuration, DataPaths paths, bool createIfMissing)
    {
        if (!IsPkcs11)
        {
            var rootKey = RootKeySource.Load(RootKeyVariable(configuration), paths, mayCreate: createIfMissing);
            envelope.ProtectKeysWithRootKey(_ => (byte[])rootKey.Clone());
            return;
        }

        var section = configuration.GetSection("MissionHost:Pkcs11");
        var missing = new[] { "LibraryPath", "TokenLabel", "UserPin" }.Where(name => string.IsNullOrWhiteSpace(section[name])).ToList();
        if (missing.Count > 0)
        {
            throw new SampleException(
                $"{Key} is '{Pkcs11}', but {string.Join(", ", missing.Select(m => "MissionHost:Pkcs11:" + m))} {(missing.Count == 1 ? "is" : "are")} not set " +
                "(in configuration, or MissionHost__Pkcs11__LibraryPath, …TokenLabel, …UserPin in the environment).");
        }

        envelope.ProtectKeysWithPkcs11(o =>
        {
            o.LibraryPath = section["LibraryPath"];
            o.TokenLabel = section["TokenLabel"];
            o.UserPinProvider = () => section["UserPin"]!;
            o.KeyLabel = section["KeyLabel"] ?? "missionhost-keyring";
            o.CreateKeyIfMissing = createIfMissing;
        });
    }
}
