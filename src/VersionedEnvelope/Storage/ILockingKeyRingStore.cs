namespace VersionedEnvelope.Storage;

/// <summary>
/// A store that can apply a change under its own lock (load, change, save with nothing in between), so a change never
/// fails for contention alone.
/// </summary>
/// <remarks>
/// <see cref="KeyRingManager"/> uses it instead of optimistic retries when the store offers it. The file store and the
/// EF Core package's database store do.
/// </remarks>
public interface ILockingKeyRingStore : IKeyRingStore
{
    /// <summary>Under the store's lock: loads the ring, asks for the change and saves it.</summary>
    /// <param name="change">
    /// Given the stored ring (or <see langword="null"/> when the store is empty), returns the ring to save, or
    /// <see langword="null"/> to save nothing. It runs under the lock: keep it short, and throw to abandon the change.
    /// </param>
    /// <param name="cancellationToken">Cancels while waiting for the lock or before the save commits.</param>
    /// <returns>The ring as stored afterwards and its revision (<see langword="null"/> when the store is still empty).</returns>
    ValueTask<StoredKeyRing?> UpdateAsync(Func<StoredKeyRing?, KeyRing?> change, CancellationToken cancellationToken = default);
}
