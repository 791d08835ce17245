using System.Globalization;
using System.Text.Json;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Cli;

/// <summary>Where the keys of one call come from: a key ring file (root key from the environment) or a static keys file.</summary>
internal static class KeySource
{
    public const string DefaultRootKeyVariable = "ENVELOPE_ROOT_KEY";

    /// <summary>The variables that name a PKCS#11 token and key, for rings protected by an HSM.</summary>
    public const string Pkcs11Library = "ENVELOPE_PKCS11_LIBRARY";

    public const string Pkcs11Token = "ENVELOPE_PKCS11_TOKEN";

    public const string Pkcs11Pin = "ENVELOPE_PKCS11_PIN";

    public const string Pkcs11KeyLabel = "ENVELOPE_PKCS11_KEY_LABEL";

    /// <summary>
    /// The ring file, opened with what this host has: the root key in the environment and/or the PKCS#11 token named by
    /// $ENVELOPE_PKCS11_*; either one is enough for a ring it protects.
    /// </summary>
    public static FileKeyRingStore OpenRing(KeySourceArguments keys, Func<string, string?> environment)
    {
        // The path as given: messages repeat what the user typed.
        string path = keys.Ring?.ToString() ?? throw new UsageException("Option --ring is required.");
        string variable = keys.RootKeyEnv ?? DefaultRootKeyVariable;
        var protectors = new List<IKeyRingProtector>();
        if (!string.IsNullOrWhiteSpace(environment(variable)))
        {
            protectors.Add(RootKey(variable, environment));
        }

        if (!string.IsNullOrWhiteSpace(environment(Pkcs11Library)))
        {
            protectors.Add(OpenProtector("pkcs11", environment));
        }

        return protectors.Count > 0
            ? new FileKeyRingStore(path, new KeyRingProtection(protectors))
            : throw new UsageException(
                $"The root key is not set: put base64 of 32 random bytes in {variable} (or name another with --root-key-env), or name a PKCS#11 token in the "
                    + $"ENVELOPE_PKCS11_* variables.");
    }

    /// <summary>A protector from its description: 'root-key:VARIABLE' or 'pkcs11' (the token in $ENVELOPE_PKCS11_*, its key created if missing).</summary>
    public static IKeyRingProtector OpenProtector(string description, Func<string, string?> environment)
    {
        if (description.StartsWith("root-key:", StringComparison.Ordinal))
        {
            return RootKey(description["root-key:".Length..], environment);
        }

        if (description != "pkcs11")
        {
            throw new UsageException($"'{description}' is not a protector: use 'root-key:VARIABLE' or 'pkcs11'.");
        }

        var missing = new[] { Pkcs11Library, Pkcs11Token, Pkcs11Pin, Pkcs11KeyLabel }.Where(v => string.IsNullOrWhiteSpace(environment(v))).ToList();
        if (missing.Count > 0)
        {
            throw new UsageException($"A PKCS#11 protector needs {string.Join(", ", missing)} in the environment.");
        }

        return new Pkcs11.Pkcs11KeyRingProtector(new Pkcs11.Pkcs11ProtectorOptions
        {
            LibraryPath = environment(Pkcs11Library),
            TokenLabel = environment(Pkcs11Token),
            UserPinProvider = () => environment(Pkcs11Pin)!,
            KeyLabel = environment(Pkcs11KeyLabel),
            CreateKeyIfMissing = true,
        });
    }

    private static RootKeyProtector RootKey(string variable, Func<string, string?> environment)
    {
        string? value = environment(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new UsageException($"The root key is not set: put base64 of 32 random bytes in the environment variable {variable}.");
        }

        byte[] rootKey;
        try
        {
            rootKey = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            throw new UsageException($"{variable} is not valid base64.");
        }

        try
        {
            return rootKey.Length == 32
                ? new RootKeyProtector(rootKey)
                : throw new UsageException($"{variable} must hold 32 bytes (256 bits); it holds {rootKey.Length}.");
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(rootKey);
        }
    }

    public static KeyRingManager OpenManager(KeySourceArguments keys, Func<string, string?> environment, KeyRingOptions? options = null)
    {
        var store = OpenRing(keys, environment);
        if (!File.Exists(store.Path))
        {
            throw new UsageException($"There is no key ring at {store.Path}; create one with 'envelope ring create --ring {keys.Ring}'.");
        }

        return new KeyRingManager(store, options ?? new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
    }

    /// <summary>The provider for encrypt, decrypt and rewrap: the ring file, or the static keys file.</summary>
    public static IKeyRingProvider Open(KeySourceArguments keys, Func<string, string?> environment)
    {
        if ((keys.Ring is null) == (keys.Keys is null))
        {
            throw new UsageException("Give exactly one key source: --ring FILE (with the root key in the environment) or --keys FILE.");
        }

        return keys.Ring is not null ? OpenManager(keys, environment) : new StaticKeyRingProvider(ReadKeysFile(keys.Keys!.ToString(), keys.Active));
    }

    /// <summary>A JSON object mapping versions to base64 256-bit keys; the active version defaults to the highest.</summary>
    private static KeyRing ReadKeysFile(string path, int? active)
    {
        Dictionary<string, string>? entries;
        try
        {
            entries = JsonSerializer.Deserialize(File.ReadAllText(path), CliJsonContext.Default.DictionaryStringString);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read the keys file {path}: {ex.Message}");
        }

        if (entries is null || entries.Count == 0)
        {
            throw new UsageException($"The keys file {path} holds no keys.");
        }

        var keys = new Dictionary<int, byte[]>();
        foreach (var (name, value) in entries)
        {
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            {
                throw new UsageException($"The keys file {path}: '{name}' is not a key version.");
            }

            try
            {
                keys[version] = Convert.FromBase64String(value);
            }
            catch (FormatException)
            {
                throw new UsageException($"The keys file {path}: the key of version {version} is not base64.");
            }
        }

        int activeVersion = active ?? keys.Keys.Max();
        try
        {
            return KeyRing.FromKeys(keys, activeVersion);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"The keys file {path}: {ex.Message}");
        }
    }
}
