using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VersionedEnvelope.Internal;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope;

/// <summary>Seals and opens key ring documents in one place, for every store.</summary>
/// <remarks>
/// A fresh 256-bit ring key per save encrypts the ring with AES-256-GCM (the ring's name as associated data), and each
/// protector wraps the ring key, its <see cref="IKeyRingProtector.KeyId"/> stored beside it; any one protector opens
/// the document. Documents sealed before protectors existed (under a root key alone) are read when a <see
/// cref="RootKeyProtector"/> with that key is configured, and written in this form at the next save. Unsealing happens
/// per load or refresh, never per message.
/// </remarks>
public sealed class KeyRingProtection
{
    private readonly IKeyRingProtector[] _protectors;

    /// <summary>Creates the protection of a ring.</summary>
    /// <param name="protectors">Every protector; each wraps the ring key at every save, and any one opens a document.</param>
    /// <exception cref="ArgumentException">There is no protector, or two share a key id.</exception>
    public KeyRingProtection(IEnumerable<IKeyRingProtector> protectors)
    {
        ArgumentNullException.ThrowIfNull(protectors);
        _protectors = [.. protectors];
        if (_protectors.Length == 0)
        {
            throw new ArgumentException(
                "A key ring needs at least one protector: ProtectKeysWith(...), ProtectKeysWithRootKey(...) or ProtectKeysWithPkcs11(...).",
                nameof(protectors));
        }

        foreach (var group in _protectors.GroupBy(p => p.KeyId, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(group.Key) || group.Count() > 1)
            {
                throw new ArgumentException($"Every protector needs a key id of its own; '{group.Key}' is empty or appears twice.", nameof(protectors));
            }
        }
    }

    /// <summary>The key ids of the protectors, in order.</summary>
    public IReadOnlyList<string> KeyIds => [.. _protectors.Select(p => p.KeyId)];

    /// <summary>Seals a ring into a document (UTF-8 JSON) under a fresh ring key wrapped by every protector.</summary>
    /// <param name="ring">The ring.</param>
    /// <param name="revision">The revision to record, 1 or more.</param>
    /// <param name="ringName">The ring's name, bound to the document as associated data.</param>
    /// <param name="cancellationToken">Cancels the protectors' calls.</param>
    /// <returns>The document; it holds no key material in the clear.</returns>
    public async ValueTask<byte[]> SealAsync(KeyRing ring, long revision, string ringName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentOutOfRangeException.ThrowIfLessThan(revision, 1);
        ArgumentException.ThrowIfNullOrEmpty(ringName);
        byte[] ringKey = RandomNumberGenerator.GetBytes(Ve1Layout.KeySize);
        try
        {
            var wrapped = new List<ProtectedKeyRingWrappedKey>(_protectors.Length);
            foreach (var protector in _protectors)
            {
                byte[] key = await protector.WrapKeyAsync(ringKey, cancellationToken).ConfigureAwait(false);
                wrapped.Add(new ProtectedKeyRingWrappedKey { KeyId = protector.KeyId, WrappedKey = Convert.ToBase64String(key) });
            }

            return Write(ring, revision, ringName, ringKey, wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ringKey);
        }
    }

    /// <summary>Opens a document written by <see cref="SealAsync"/> (or, with a root key protector, by the store before protectors).</summary>
    /// <param name="document">The document (UTF-8 JSON).</param>
    /// <param name="ringName">The ring's name it was sealed for.</param>
    /// <param name="source">What the document is, for error messages (for example <c>key ring file '/var/keys/ring.json'</c>).</param>
    /// <param name="cancellationToken">Cancels the protectors' calls.</param>
    /// <returns>The ring and its revision.</returns>
    /// <exception cref="KeyRingStoreException">
    /// The document is damaged or cut short, was sealed for another ring, or none of this host's protectors opens it
    /// (the message lists the key ids it accepts). Never key material or a PIN.
    /// </exception>
    public async ValueTask<StoredKeyRing> OpenAsync(
        ReadOnlyMemory<byte> document,
        string ringName,
        string source,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ringName);
        ArgumentException.ThrowIfNullOrEmpty(source);
        var parsed = Parse(document.Span, source);
        if (parsed is null)
        {
            // Sealed under a root key before protectors existed: any root key protector of this host may open it.
            return OpenRootKeySealed(document.Span, source);
        }

        if (parsed.Ring != ringName)
        {
            throw Unreadable(source, $"it was sealed for the ring '{parsed.Ring}', not '{ringName}'");
        }

        byte[] ringKey = await UnwrapAsync(parsed, source, cancellationToken).ConfigureAwait(false);
        try
        {
            return Read(parsed, ringName, ringKey, source);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ringKey);
        }
    }

    /// <summary>Changes who can open a document without touching the ring inside.</summary>
    /// <param name="document">The sealed document.</param>
    /// <param name="ringName">The ring's name.</param>
    /// <param name="source">What the document is, for error messages.</param>
    /// <param name="add">Protectors to add (an existing entry with the same key id is wrapped anew).</param>
    /// <param name="removeKeyIds">Key ids to remove.</param>
    /// <param name="cancellationToken">Cancels the protectors' calls.</param>
    /// <returns>The new document, with the same revision.</returns>
    /// <exception cref="KeyRingStoreException">The document cannot be opened here.</exception>
    /// <exception cref="InvalidOperationException">
    /// A key id to remove is not in the document, or removing would leave no entry that a protector of this host (with
    /// those added) opens.
    /// </exception>
    /// <remarks>
    /// The same ring key, unwrapped by any protector of this host, is wrapped by each added protector, and the entries
    /// of <paramref name="removeKeyIds"/> are dropped. The entries of protectors this host lacks are kept as they are.
    /// </remarks>
    public async ValueTask<byte[]> ReprotectAsync(
        ReadOnlyMemory<byte> document,
        string ringName,
        string source,
        IEnumerable<IKeyRingProtector> add,
        IEnumerable<string> removeKeyIds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(removeKeyIds);
        var adding = add.ToList();
        var removing = removeKeyIds.ToHashSet(StringComparer.Ordinal);
        var parsed = Parse(document.Span, source);
        if (parsed is null)
        {
            // A root-key-sealed document: open it, then seal it in the protected form under the same protectors.
            var stored = OpenRootKeySealed(document.Span, source);
            byte[] fresh = await SealAsync(stored.Ring, stored.Revision, ringName, cancellationToken).ConfigureAwait(false);
            return await ReprotectAsync(fresh, ringName, source, adding, removing, cancellationToken).ConfigureAwait(false);
        }

        var entries = parsed.Protectors!;
        foreach (string keyId in removing)
        {
            if (!entries.Any(e => e.KeyId == keyId))
            {
                throw new InvalidOperationException($"The {source} has no protector '{keyId}' to remove; it has {Join(entries.Select(e => e.KeyId!))}.");
            }
        }

        var kept = entries.Where(e => !removing.Contains(e.KeyId!) && !adding.Any(a => a.KeyId == e.KeyId)).ToList();
        var openers = _protectors.Concat(adding).Select(p => p.KeyId).ToHashSet(StringComparer.Ordinal);
        if (!kept.Any(e => openers.Contains(e.KeyId!)) && adding.Count == 0)
        {
            throw new InvalidOperationException(
                $"Removing {Join(removing)} would leave the {source} with no protector this host can open ({Join(kept.Select(e => e.KeyId!))}); add one "
                    + $"first.");
        }

        byte[] ringKey = await UnwrapAsync(parsed, source, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var protector in adding)
            {
                byte[] key = await protector.WrapKeyAsync(ringKey, cancellationToken).ConfigureAwait(false);
                kept.Add(new ProtectedKeyRingWrappedKey { KeyId = protector.KeyId, WrappedKey = Convert.ToBase64String(key) });
            }

            parsed.Protectors = kept;
            return JsonSerializer.SerializeToUtf8Bytes(parsed, ProtectedKeyRingJsonContext.Default.ProtectedKeyRingDocument);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ringKey);
        }
    }

    /// <summary>The key ids a document accepts, without opening it; empty for a root-key-sealed document.</summary>
    /// <param name="document">The sealed document.</param>
    /// <param name="source">What the document is, for error messages.</param>
    /// <returns>The key ids stored beside its wrapped ring keys.</returns>
    public static IReadOnlyList<string> GetKeyIds(ReadOnlySpan<byte> document, string source) =>
        Parse(document, source) is { } parsed ? [.. parsed.Protectors!.Select(p => p.KeyId!)] : [];

    private static byte[] Write(KeyRing ring, long revision, string ringName, byte[] ringKey, List<ProtectedKeyRingWrappedKey> wrapped)
    {
        byte[] inner = SealedKeyRingFormat.Seal(ring, revision, ringKey);
        byte[] sealedBytes = new byte[Ve1Layout.NonceSize + inner.Length + Ve1Layout.TagSize];
        try
        {
            RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, Ve1Layout.NonceSize));
            using (var aes = new AesGcm(ringKey, Ve1Layout.TagSize))
            {
                aes.Encrypt(
                    sealedBytes.AsSpan(0, Ve1Layout.NonceSize),
                    inner,
                    sealedBytes.AsSpan(Ve1Layout.NonceSize, inner.Length),
                    sealedBytes.AsSpan(Ve1Layout.NonceSize + inner.Length),
                    Encoding.UTF8.GetBytes(ringName));
            }

            var document = new ProtectedKeyRingDocument
            {
                Format = ProtectedKeyRingDocument.CurrentFormat,
                Ring = ringName,
                Revision = revision,
                Protectors = wrapped,
                Sealed = Convert.ToBase64String(sealedBytes),
            };
            return JsonSerializer.SerializeToUtf8Bytes(document, ProtectedKeyRingJsonContext.Default.ProtectedKeyRingDocument);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inner);
        }
    }

    private static StoredKeyRing Read(ProtectedKeyRingDocument parsed, string ringName, byte[] ringKey, string source)
    {
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(parsed.Sealed!);
        }
        catch (FormatException ex)
        {
            throw Unreadable(source, "its sealed ring is not base64", ex);
        }

        if (sealedBytes.Length < Ve1Layout.NonceSize + Ve1Layout.TagSize + 2)
        {
            throw Unreadable(source, "its sealed ring is cut short");
        }

        byte[] inner = new byte[sealedBytes.Length - Ve1Layout.NonceSize - Ve1Layout.TagSize];
        try
        {
            using (var aes = new AesGcm(ringKey, Ve1Layout.TagSize))
            {
                aes.Decrypt(
                    sealedBytes.AsSpan(0, Ve1Layout.NonceSize),
                    sealedBytes.AsSpan(Ve1Layout.NonceSize, inner.Length),
                    sealedBytes.AsSpan(Ve1Layout.NonceSize + inner.Length),
                    inner,
                    Encoding.UTF8.GetBytes(ringName));
            }

            var stored = SealedKeyRingFormat.Open(inner, ringKey, source);
            return stored.Revision == parsed.Revision
                ? stored
                : throw Unreadable(source, $"it says revision {parsed.Revision} outside and {stored.Revision} inside");
        }
        catch (CryptographicException ex)
        {
            throw Unreadable(source, "its sealed ring failed authentication: it was altered, or cut short", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(inner);
        }
    }

    private async ValueTask<byte[]> UnwrapAsync(ProtectedKeyRingDocument parsed, string source, CancellationToken cancellationToken)
    {
        var entries = parsed.Protectors!;
        var failures = new List<string>();

        // The protector a key id names first; then every other one, since a rotated KMS or HSM key may name itself by
        // its new version while it still opens what its older version wrapped.
        var attempts = entries.SelectMany(e => _protectors.Where(p => p.KeyId == e.KeyId).Select(p => (Entry: e, Protector: p)))
            .Concat(entries.SelectMany(e => _protectors.Where(p => p.KeyId != e.KeyId).Select(p => (Entry: e, Protector: p))));
        foreach (var (entry, protector) in attempts)
        {
            byte[] wrapped;
            try
            {
                wrapped = Convert.FromBase64String(entry.WrappedKey!);
            }
            catch (FormatException)
            {
                failures.Add($"'{entry.KeyId}': its wrapped key is not base64");
                continue;
            }

            try
            {
                byte[] key = await protector.UnwrapKeyAsync(entry.KeyId!, wrapped, cancellationToken).ConfigureAwait(false);
                if (key.Length == Ve1Layout.KeySize)
                {
                    return key;
                }

                CryptographicOperations.ZeroMemory(key);
                failures.Add($"'{protector.KeyId}' unwrapped a key of the wrong length from '{entry.KeyId}'");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (protector.KeyId == entry.KeyId)
                {
                    failures.Add($"'{entry.KeyId}': {ex.Message}");
                }
            }
        }

        string why = failures.Count == 0 ? "" : $" ({string.Join("; ", failures)})";
        throw new KeyRingStoreException(
            $"The {source} cannot be opened by this host: it accepts {Join(entries.Select(e => e.KeyId!))}, and this host has "
                + $"{Join(_protectors.Select(p => p.KeyId))}{why}. It was left as it is.");
    }

    private StoredKeyRing OpenRootKeySealed(ReadOnlySpan<byte> document, string source)
    {
        var rootKeys = _protectors.OfType<RootKeyProtector>().ToList();
        if (rootKeys.Count == 0)
        {
            throw new KeyRingStoreException(
                $"The {source} is sealed under a root key (the form before protectors), and this host has no root key protector: " +
                "add ProtectKeysWithRootKey(...) with that key to read it; the next save writes it in the protected form.");
        }

        KeyRingStoreException? last = null;
        foreach (var protector in rootKeys)
        {
            byte[] rootKey = protector.GetRootKey();
            try
            {
                return SealedKeyRingFormat.Open(document, rootKey, source);
            }
            catch (KeyRingStoreException ex)
            {
                last = ex;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(rootKey);
            }
        }

        throw last!;
    }

    /// <summary>The protected document, or <see langword="null"/> when it is a root-key-sealed one.</summary>
    private static ProtectedKeyRingDocument? Parse(ReadOnlySpan<byte> document, string source)
    {
        try
        {
            var format = JsonSerializer.Deserialize(document, KeyRingDocumentFormatJsonContext.Default.KeyRingDocumentFormat);
            if (format?.Format == SealedKeyRingFormat.FormatName)
            {
                return null;
            }

            var parsed = JsonSerializer.Deserialize(document, ProtectedKeyRingJsonContext.Default.ProtectedKeyRingDocument);
            if (parsed is null || parsed.Format != ProtectedKeyRingDocument.CurrentFormat || parsed.Ring is null || parsed.Revision < 1
                || parsed.Sealed is null || parsed.Protectors is not { Count: > 0 } || parsed.Protectors.Any(p => p.KeyId is null || p.WrappedKey is null))
            {
                throw Unreadable(source, $"it is not a '{ProtectedKeyRingDocument.CurrentFormat}' document");
            }

            return parsed;
        }
        catch (JsonException ex)
        {
            throw Unreadable(source, $"it is not valid key ring JSON ({ex.Message})", ex);
        }
    }

    private static string Join(IEnumerable<string> keyIds) => string.Join(", ", keyIds.Select(k => $"'{k}'"));

    private static KeyRingStoreException Unreadable(string source, string why, Exception? inner = null) =>
        new($"The {source} cannot be read: {why}. It was left as it is.", inner);
}
