using System.Security.Cryptography;

namespace VersionedEnvelope.Internal;

/// <summary>One cached data key: the 67 header bytes that carry it wrapped, and a pool of ciphers keyed with it.</summary>
internal sealed class CachedDataKey
{
    private long _usesLeft;

    private CachedDataKey(KeyEncryptionKey kek, byte[] header, AesGcmPool pool, long usesLeft, long expiresAt)
    {
        KeyEncryptionKey = kek;
        Header = header;
        Pool = pool;
        _usesLeft = usesLeft;
        ExpiresAt = expiresAt;
    }

    public KeyEncryptionKey KeyEncryptionKey { get; }

    /// <summary>Bytes 0..66 of every ciphertext under this data key.</summary>
    public byte[] Header { get; }

    public AesGcmPool Pool { get; }

    public long ExpiresAt { get; }

    public bool TryTakeUse(long now) => now < ExpiresAt && Interlocked.Decrement(ref _usesLeft) >= 0;

    public static CachedDataKey Create(EnvelopeKey activeKey, IRandomSource random, long usesLeft, long expiresAt)
    {
        var kek = activeKey.Material!;

        // The pool keeps using this array for as long as the entry lives, so it is pinned rather than cleared.
        var dataKey = GC.AllocateArray<byte>(Ve1Layout.KeySize, pinned: true);
        var header = new byte[Ve1Layout.HeaderLength];
        Span<byte> fresh = stackalloc byte[Ve1Layout.KeySize + Ve1Layout.NonceSize];
        try
        {
            random.Fill(fresh);
            fresh[..Ve1Layout.KeySize].CopyTo(dataKey);
            Ve1Layout.WriteHeader(header, activeKey.Version, fresh[Ve1Layout.KeySize..], dataKey, kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
        }

        return new CachedDataKey(kek, header, new AesGcmPool(dataKey), usesLeft, expiresAt);
    }
}
