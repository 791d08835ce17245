namespace VersionedEnvelope.Storage;

/// <summary>The arithmetic every <see cref="IKeyUseStore"/> shares: checked input and counts that stop at <see cref="long.MaxValue"/>.</summary>
internal static class KeyUseCounts
{
    public static void ThrowIfInvalid(IReadOnlyDictionary<int, long> uses)
    {
        ArgumentNullException.ThrowIfNull(uses);
        foreach (var (version, count) in uses)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(version, 1, nameof(uses));
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(uses));
        }
    }

    /// <summary>Adds without overflowing: a count that would pass <see cref="long.MaxValue"/> stays there (it is far past every limit anyway).</summary>
    public static long Add(long stored, long added) => stored > long.MaxValue - added ? long.MaxValue : stored + added;

    /// <summary>Adds <paramref name="uses"/> into <paramref name="totals"/>.</summary>
    public static SortedDictionary<int, long> AddTo(IReadOnlyDictionary<int, long>? totals, IReadOnlyDictionary<int, long> uses)
    {
        var sum = totals is null ? new SortedDictionary<int, long>() : new SortedDictionary<int, long>(totals.ToDictionary());
        foreach (var (version, count) in uses)
        {
            sum[version] = Add(sum.GetValueOrDefault(version), count);
        }

        return sum;
    }
}
