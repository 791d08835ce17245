using System.Globalization;

namespace VersionedEnvelope.Internal;

/// <summary>The rules of a static key ring's options (which span its members), and the ring they build.</summary>
internal static class StaticKeyRings
{
    public static List<string> Collect(StaticKeyRingOptions options)
    {
        var errors = new List<string>();
        if (options.Keys.Count == 0)
        {
            errors.Add(options.ActiveVersion is null
                ? "Keys is empty: a static key ring needs at least one key (base64 of 32 bytes by version)."
                : $"ActiveVersion is {options.ActiveVersion} but Keys is empty.");
            return errors;
        }

        var seen = new Dictionary<int, string>();
        foreach (var (name, value) in options.Keys)
        {
            if (!TryParseVersion(name, out int version))
            {
                // The name is not echoed: with key and version swapped in configuration, it is the key itself.
                errors.Add("Keys: an entry's name is not a key version (a positive integer such as \"1\"); the name is not shown, since a name in that place "
                    + "may be key material swapped with its version.");
                continue;
            }

            if (seen.TryGetValue(version, out var other))
            {
                errors.Add($"Keys: '{other}' and '{name}' are the same key version {version}.");
                continue;
            }

            seen.Add(version, name);
            int? length = DecodedLength(value);
            if (length is null)
            {
                errors.Add($"Keys:{name} is not valid base64.");
            }
            else if (length != Ve1Layout.KeySize)
            {
                errors.Add($"Keys:{name} is {length} bytes; a key must be {Ve1Layout.KeySize} bytes (256 bits).");
            }
        }

        // A missing ActiveVersion is the [Required] annotation's to report.
        if (options.ActiveVersion is not null && !seen.ContainsKey(options.ActiveVersion.Value))
        {
            errors.Add($"ActiveVersion {options.ActiveVersion} is not among Keys ({string.Join(", ", seen.Keys.Order())}).");
        }

        return errors;
    }

    /// <summary>Builds the static ring of validated options: the active version active, the others decrypt-only.</summary>
    public static KeyRing BuildStaticRing(StaticKeyRingOptions options, TimeProvider timeProvider)
    {
        var keys = new Dictionary<int, byte[]>();
        try
        {
            foreach (var (name, value) in options.Keys)
            {
                if (!TryParseVersion(name, out int version))
                {
                    throw new InvalidOperationException("Keys: an entry's name is not a key version; validate the options first.");
                }

                keys[version] = Convert.FromBase64String(value);
            }

            return KeyRing.FromKeys(keys, options.ActiveVersion!.Value, timeProvider);
        }
        finally
        {
            foreach (var key in keys.Values)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    private static bool TryParseVersion(string text, out int version) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version)
        && version > 0;

    private static int? DecodedLength(string value)
    {
        Span<byte> buffer = stackalloc byte[64];
        bool ok = Convert.TryFromBase64String(value ?? string.Empty, buffer, out int written);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
        if (ok)
        {
            return written;
        }

        // Too long for the buffer, or not base64 at all: tell the two apart without keeping the bytes.
        try
        {
            return Convert.FromBase64String(value ?? string.Empty).Length;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
