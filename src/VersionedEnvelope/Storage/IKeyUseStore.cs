namespace VersionedEnvelope.Storage;

/// <summary>
/// A key ring store that also keeps how many data keys each version wrapped, summed over every host: what <see
/// cref="KeyRingOptions.MaxDataKeysPerVersion"/> is compared with.
/// </summary>
/// <remarks>
/// Each host adds what it counted since its last flush, so the shared count can only be behind (a host killed before
/// its flush), never counted twice.
/// </remarks>
public interface IKeyUseStore
{
    /// <summary>Reads the shared counts.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Wraps by key version; a version never counted is absent.</returns>
    ValueTask<IReadOnlyDictionary<int, long>> LoadUsesAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds counts atomically (each version's count grows by its amount, whatever other hosts add at the same time).</summary>
    /// <param name="uses">Wraps by key version since the last flush; each positive.</param>
    /// <param name="cancellationToken">Cancels before the change commits.</param>
    /// <returns>The shared counts afterwards, every version included. A count that would pass <see cref="long.MaxValue"/> stays there.</returns>
    /// <exception cref="KeyRingStoreException">The store refused the update; nothing was added.</exception>
    ValueTask<IReadOnlyDictionary<int, long>> AddUsesAsync(IReadOnlyDictionary<int, long> uses, CancellationToken cancellationToken = default);
}
