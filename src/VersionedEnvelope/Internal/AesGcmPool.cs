using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace VersionedEnvelope.Internal;

/// <summary>
/// Reuses <see cref="AesGcm"/> instances of one key, so a key's schedule is computed once rather than per call.
/// An instance is never used by two threads at once: each caller rents one and returns it.
/// </summary>
internal sealed class AesGcmPool
{
    private const int MaxPooled = 16;
    private readonly byte[] _key;
    private readonly ConcurrentQueue<AesGcm> _items = new();
    private int _count;

    /// <summary>Takes ownership of <paramref name="pinnedKey"/>, which must stay unchanged while the pool lives.</summary>
    public AesGcmPool(byte[] pinnedKey) => _key = pinnedKey;

    public AesGcm Rent()
    {
        if (_items.TryDequeue(out var aes))
        {
            Interlocked.Decrement(ref _count);
            return aes;
        }

        return new AesGcm(_key, Ve1Layout.TagSize);
    }

    public void Return(AesGcm aes)
    {
        if (Interlocked.Increment(ref _count) > MaxPooled)
        {
            Interlocked.Decrement(ref _count);
            aes.Dispose();
            return;
        }

        _items.Enqueue(aes);
    }
}
