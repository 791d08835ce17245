using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope.Storage;

/// <summary>
/// The sealed key ring document every built-in store writes (the file store's file, the database store's row).
/// </summary>
/// <remarks>
/// A JSON document whose versions, states and audit trail are readable and whose key material is sealed with
/// AES-256-GCM under a 256-bit root key, each key bound to its version by associated data. Use it to write a store of
/// your own.
/// </remarks>
public static class SealedKeyRingFormat
{
    /// <summary>The format name written in every document.</summary>
    public const string FormatName = KeyRingJsonDocument.CurrentFormat;

    /// <summary>The root key size in bytes (256 bits).</summary>
    public const int RootKeySize = Ve1Layout.KeySize;

    private const int SealedKeySize = Ve1Layout.NonceSize + Ve1Layout.KeySize + Ve1Layout.TagSize;

    /// <summary>Writes a ring as a sealed document (UTF-8 JSON). Clear the returned array when done with it.</summary>
    /// <param name="ring">The ring.</param>
    /// <param name="revision">The revision to record, 1 or more.</param>
    /// <param name="rootKey">The 256-bit root key that seals the key material.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentException">The root key is not 32 bytes.</exception>
    public static byte[] Seal(KeyRing ring, long revision, ReadOnlySpan<byte> rootKey)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentOutOfRangeException.ThrowIfLessThan(revision, 1);
        CheckRootKey(rootKey);
        Span<byte> material = stackalloc byte[Ve1Layout.KeySize];
        try
        {
            using var aes = new AesGcm(rootKey, Ve1Layout.TagSize);
            var document = new KeyRingJsonDocument
            {
                Format = FormatName,
                Revision = revision,
                Keys = [],
                History = [.. ring.History.Select(e =>
                    new KeyRingJsonEvent { Kind = e.Kind, Version = e.Version, At = e.At, By = e.By, Evidence = e.Evidence })],
            };
            foreach (var key in ring.Keys)
            {
                string? sealedMaterial = key.HasMaterial ? SealKey(aes, key, material, MaterialAad(key.Version)) : null;
                document.Keys.Add(new KeyRingJsonKey
                {
                    Version = key.Version,
                    State = key.State,
                    CreatedAt = key.CreatedAt,
                    ActivatesAt = key.ActivatesAt,
                    Material = sealedMaterial,
                });
            }

            if (ring.IndexKeys.Count > 0)
            {
                document.IndexKeys = [];
                foreach (var key in ring.IndexKeys)
                {
                    document.IndexKeys.Add(new KeyRingJsonKey
                    {
                        Version = key.Version,
                        State = key.State,
                        CreatedAt = key.CreatedAt,
                        Material = SealKey(aes, key, material, IndexMaterialAad(key.Version)),
                    });
                }
            }

            return JsonSerializer.SerializeToUtf8Bytes(document, KeyRingJsonContext.Default.KeyRingJsonDocument);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>Reads a sealed document.</summary>
    /// <param name="document">The document (UTF-8 JSON).</param>
    /// <param name="rootKey">The root key it was sealed under.</param>
    /// <param name="source">What the document is, for error messages (for example <c>key ring file '/var/keys/ring.json'</c>).</param>
    /// <returns>The ring and the revision the document records.</returns>
    /// <exception cref="KeyRingStoreException">The document is corrupted, or the root key is wrong. Nothing of the key material is in the message.</exception>
    /// <exception cref="ArgumentException">The root key is not 32 bytes.</exception>
    public static StoredKeyRing Open(ReadOnlySpan<byte> document, ReadOnlySpan<byte> rootKey, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        CheckRootKey(rootKey);
        KeyRingJsonDocument? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(document, KeyRingJsonContext.Default.KeyRingJsonDocument);
        }
        catch (JsonException ex)
        {
            throw Corrupted(source, $"it is not valid key ring JSON ({ex.Message})", ex);
        }

        if (parsed is null || parsed.Format != FormatName || parsed.Keys is null || parsed.Revision < 1)
        {
            throw Corrupted(source, $"it is not a '{FormatName}' document");
        }

        try
        {
            using var aes = new AesGcm(rootKey, Ve1Layout.TagSize);
            var keys = parsed.Keys.Select(k => OpenKey(aes, k, source, MaterialAad(k.Version))).ToList();
            var indexKeys = (parsed.IndexKeys ?? []).Select(k => k.State is KeyState.Active or KeyState.DecryptOnly
                ? OpenKey(aes, k, source, IndexMaterialAad(k.Version))
                : throw Corrupted(source, $"index key version {k.Version} is {k.State}")).ToList();
            var history = (parsed.History ?? []).Select(e => e.By is null
                ? throw Corrupted(source, $"a history event of version {e.Version} has no 'by'")
                : new KeyRingEvent(e.Kind, e.Version, e.At, e.By) { Evidence = e.Evidence });
            return new StoredKeyRing(new KeyRing(keys, history, indexKeys), parsed.Revision);
        }
        catch (ArgumentException ex)
        {
            throw Corrupted(source, ex.Message, ex);
        }
    }

    private static string SealKey(AesGcm aes, EnvelopeKey key, Span<byte> material, byte[] associatedData)
    {
        key.CopyKeyMaterialTo(material);
        var sealedKey = new byte[SealedKeySize];
        RandomNumberGenerator.Fill(sealedKey.AsSpan(0, Ve1Layout.NonceSize));
        aes.Encrypt(
            sealedKey.AsSpan(0, Ve1Layout.NonceSize),
            material,
            sealedKey.AsSpan(Ve1Layout.NonceSize, Ve1Layout.KeySize),
            sealedKey.AsSpan(Ve1Layout.NonceSize + Ve1Layout.KeySize),
            associatedData);
        return Convert.ToBase64String(sealedKey);
    }

    private static EnvelopeKey OpenKey(AesGcm aes, KeyRingJsonKey key, string source, byte[] associatedData)
    {
        if (key.State == KeyState.Destroyed)
        {
            return key.Material is null
                ? EnvelopeKey.CreateDestroyed(key.Version, key.CreatedAt)
                : throw Corrupted(source, $"destroyed key version {key.Version} still has material");
        }

        byte[] sealedKey;
        try
        {
            sealedKey = Convert.FromBase64String(key.Material ?? throw Corrupted(source, $"key version {key.Version} has no material"));
        }
        catch (FormatException ex)
        {
            throw Corrupted(source, $"the material of key version {key.Version} is not base64", ex);
        }

        if (sealedKey.Length != SealedKeySize)
        {
            throw Corrupted(source, $"the material of key version {key.Version} has the wrong length");
        }

        Span<byte> material = stackalloc byte[Ve1Layout.KeySize];
        try
        {
            aes.Decrypt(
                sealedKey.AsSpan(0, Ve1Layout.NonceSize),
                sealedKey.AsSpan(Ve1Layout.NonceSize, Ve1Layout.KeySize),
                sealedKey.AsSpan(Ve1Layout.NonceSize + Ve1Layout.KeySize),
                material,
                associatedData);
            if (key.State == KeyState.Pending)
            {
                return key.ActivatesAt is { } activatesAt
                    ? new EnvelopeKey(key.Version, KeyState.DecryptOnly, material, key.CreatedAt).AsPending(activatesAt)
                    : throw Corrupted(source, $"pending key version {key.Version} has no activation time");
            }

            return new EnvelopeKey(key.Version, key.State, material, key.CreatedAt);
        }
        catch (CryptographicException ex)
        {
            throw new KeyRingStoreException(
                $"The {source} cannot be opened: the material of key version {key.Version} does not authenticate. The root key is wrong, or the stored ring "
                    + $"was altered.",
                ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private static void CheckRootKey(ReadOnlySpan<byte> rootKey)
    {
        if (rootKey.Length != RootKeySize)
        {
            throw new ArgumentException($"The root key must be {RootKeySize} bytes (256 bits); it is {rootKey.Length}.", nameof(rootKey));
        }
    }

    /// <summary>Index keys are bound to their role too, so a data key's material can never be read back as an index key.</summary>
    private static byte[] IndexMaterialAad(int version) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{FormatName}:index:v{version}"));

    private static byte[] MaterialAad(int version) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{FormatName}:v{version}"));

    private static KeyRingStoreException Corrupted(string source, string why, Exception? inner = null) =>
        new($"The {source} cannot be read: {why}. It was left as it is.", inner);
}
