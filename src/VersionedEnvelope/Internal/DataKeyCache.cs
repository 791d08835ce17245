namespace VersionedEnvelope.Internal;

/// <summary>
/// Holds the current cached data key. Acquiring a use is lock-free: a version check, a clock read and one interlocked
/// decrement. A spent, stale or expired entry is replaced; entries are never shared across key versions.
/// </summary>
internal sealed class DataKeyCache(DataKeyCacheOptions options, TimeProvider timeProvider, IRandomSource random, KeyUseCounter? useCounter)
{
    private readonly long _maxAgeTicks = (long)(options.MaxAge.TotalSeconds * timeProvider.TimestampFrequency);
    private CachedDataKey? _current;

    public CachedDataKey Acquire(EnvelopeKey activeKey)
    {
        var entry = Volatile.Read(ref _current);
        long now = timeProvider.GetTimestamp();
        if (entry is not null && ReferenceEquals(entry.KeyEncryptionKey, activeKey.Material) && entry.TryTakeUse(now))
        {
            return entry;
        }

        var fresh = CachedDataKey.Create(activeKey, random, options.MaxMessages - 1, now + _maxAgeTicks);
        useCounter?.Add(activeKey.Version);
        Interlocked.CompareExchange(ref _current, fresh, entry);
        return fresh;
    }
}
