using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// Computes blind indexes: keyed hashes of a value, cut to a number of bits, that let a database find rows by an
/// encrypted value without learning it.
/// </summary>
/// <remarks>
/// The format is <c>bi1:vN:&lt;base64url&gt;</c>: the key is HKDF-SHA256 of the ring's index key of version N (no salt,
/// the index name as info, 32 bytes), the hash is HMAC-SHA256 of the UTF-8 value, kept to its first ⌈bits/8⌉ bytes with
/// the unused low bits of the last one zeroed. Another language can compute the same index from the same key and query
/// the same column.
/// <para/>
/// Index keys live in the key ring (<see cref="KeyRing.IndexKeys"/>) and are rotated apart from data keys
/// (<see cref="KeyRingManager.RotateIndexKeyAsync"/>). New indexes use the newest; lookups ask for every version in the
/// ring (<see cref="ComputeForLookup"/>), so they keep working while a backfill moves stored indexes to the newest.
/// Each index name gets its own derived key, cached per index key version.
/// </remarks>
public sealed class BlindIndexer
{
    /// <summary>The fewest bits an index may keep.</summary>
    public const int MinBits = 8;

    /// <summary>The most bits an index may keep (the whole HMAC-SHA256).</summary>
    public const int MaxBits = 256;

    /// <summary>What every blind index starts with, before its index key version.</summary>
    public const string Prefix = "bi1:v";

    private const int DerivedKeySize = 32;
    private const int StackLimit = 512;
    private readonly IKeyRingProvider _keyRing;
    private readonly ConcurrentDictionary<(int Version, string Name), DerivedKey> _derived = new();

    /// <summary>Creates an indexer over a key ring's index keys.</summary>
    /// <param name="keyRing">The key ring (a <see cref="KeyRingManager"/> follows rotations on every host).</param>
    public BlindIndexer(IKeyRingProvider keyRing)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        _keyRing = keyRing;
    }

    /// <summary>The index key version new indexes are computed under.</summary>
    /// <exception cref="EnvelopeException">The key ring has no index key (<see cref="EnvelopeErrorReason.UnknownKeyVersion"/>).</exception>
    public int ActiveIndexKeyVersion => ActiveKey(_keyRing.Current).Version;

    /// <summary>Computes the index of a value under the newest index key.</summary>
    /// <param name="name">The index's name (for example <c>UserProfile.Email</c>); each name has its own key.</param>
    /// <param name="bits">The bits to keep, <see cref="MinBits"/> to <see cref="MaxBits"/>.</param>
    /// <param name="value">The value, already normalised.</param>
    /// <returns>The index, <c>bi1:vN:…</c>.</returns>
    /// <exception cref="EnvelopeException">The key ring has no index key (<see cref="EnvelopeErrorReason.UnknownKeyVersion"/>).</exception>
    public string Compute(string name, int bits, string value)
    {
        Check(name, bits, value);
        return ComputeWith(Derived(ActiveKey(_keyRing.Current), name), bits, value);
    }

    /// <summary>
    /// Computes the index of a value under every index key version in the ring, newest first: the values a lookup
    /// compares the index column with (<c>IN (…)</c>), so rows not yet moved to the newest key are found too.
    /// </summary>
    /// <param name="name">The index's name.</param>
    /// <param name="bits">The bits to keep, <see cref="MinBits"/> to <see cref="MaxBits"/>.</param>
    /// <param name="value">The value, already normalised.</param>
    /// <returns>One index per index key version.</returns>
    /// <exception cref="EnvelopeException">The key ring has no index key (<see cref="EnvelopeErrorReason.UnknownKeyVersion"/>).</exception>
    public IReadOnlyList<string> ComputeForLookup(string name, int bits, string value)
    {
        Check(name, bits, value);
        var ring = _keyRing.Current;
        ActiveKey(ring);
        var indexes = new string[ring.IndexKeys.Count];
        for (int i = 0; i < indexes.Length; i++)
        {
            indexes[i] = ComputeWith(Derived(ring.IndexKeys[indexes.Length - 1 - i], name), bits, value);
        }

        return indexes;
    }

    /// <summary>Computes an index from an index key given as bytes: for tools, other stores and known-answer tests.</summary>
    /// <param name="indexKey">The 256-bit index key of version <paramref name="indexKeyVersion"/>.</param>
    /// <param name="indexKeyVersion">Its version, written into the index.</param>
    /// <param name="name">The index's name.</param>
    /// <param name="bits">The bits to keep, <see cref="MinBits"/> to <see cref="MaxBits"/>.</param>
    /// <param name="value">The value, already normalised.</param>
    /// <returns>The index, <c>bi1:vN:…</c>.</returns>
    public static string Compute(ReadOnlySpan<byte> indexKey, int indexKeyVersion, string name, int bits, string value)
    {
        Check(name, bits, value);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(indexKeyVersion);
        if (indexKey.Length != Ve1Layout.KeySize)
        {
            throw new ArgumentException($"The index key must be {Ve1Layout.KeySize} bytes.", nameof(indexKey));
        }

        byte[] derived = Derive(indexKey, name);
        try
        {
            return ComputeWith(new DerivedKey(null, indexKeyVersion, derived), bits, value);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>Reads the index key version of a stored index.</summary>
    /// <param name="index">The stored index.</param>
    /// <param name="version">The version, when the text is a <c>bi1</c> index.</param>
    /// <returns>Whether the text starts as a <c>bi1</c> index does.</returns>
    public static bool TryGetIndexKeyVersion(string? index, out int version)
    {
        version = 0;
        if (index is null || !index.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        int colon = index.IndexOf(':', Prefix.Length);
        return colon > Prefix.Length
            && int.TryParse(index.AsSpan(Prefix.Length, colon - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out version)
            && version > 0;
    }

    private static EnvelopeKey ActiveKey(KeyRing ring) => ring.ActiveIndexKey ?? throw new EnvelopeException(
        EnvelopeErrorReason.UnknownKeyVersion,
        "The key ring has no blind index key. Add one once with KeyRingManager.RotateIndexKeyAsync (or 'envelope ring rotate-index-key'); new rings have one.");

    private static void Check(string name, int bits, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, MinBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, MaxBits);
    }

    private DerivedKey Derived(EnvelopeKey indexKey, string name)
    {
        // Keyed by version and checked against the key itself: a ring reloaded from the store has new key objects.
        if (_derived.TryGetValue((indexKey.Version, name), out var cached) && ReferenceEquals(cached.Source, indexKey))
        {
            return cached;
        }

        Span<byte> material = stackalloc byte[Ve1Layout.KeySize];
        try
        {
            indexKey.CopyKeyMaterialTo(material);
            var derived = new DerivedKey(indexKey, indexKey.Version, Derive(material, name));
            _derived[(indexKey.Version, name)] = derived;
            return derived;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private static byte[] Derive(ReadOnlySpan<byte> indexKey, string name)
    {
        var derived = new byte[DerivedKeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, indexKey, derived, salt: [], info: Encoding.UTF8.GetBytes(name));
        return derived;
    }

    private static string ComputeWith(DerivedKey key, int bits, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> utf8 = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        try
        {
            Encoding.UTF8.GetBytes(value, utf8);
            HMACSHA256.HashData(key.Key, utf8, mac);
            int kept = (bits + 7) / 8;
            if (bits % 8 != 0)
            {
                mac[kept - 1] &= (byte)(0xFF << (8 - (bits % 8)));
            }

            return Base64Url.Encode(key.TextPrefix, mac[..kept]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
            CryptographicOperations.ZeroMemory(mac);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>An index name's key under one index key version, and the key it came from.</summary>
    private sealed record DerivedKey(EnvelopeKey? Source, int Version, byte[] Key)
    {
        /// <summary>What every index under this key starts with: <c>bi1:vN:</c>, written once rather than per index.</summary>
        public string TextPrefix { get; } = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Version}:");
    }
}
