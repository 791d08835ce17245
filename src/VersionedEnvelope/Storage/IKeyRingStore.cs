namespace VersionedEnvelope.Storage;

/// <summary>
/// Persists a key ring with optimistic concurrency: a save names the revision it was based on and fails with
/// <see cref="KeyRingConcurrencyException"/> when the store has moved on, so two hosts can never overwrite each other.
/// </summary>
public interface IKeyRingStore
{
    /// <summary>Whether saves are possible (a static ring from configuration is read-only).</summary>
    bool CanSave { get; }

    /// <summary>Loads the ring.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The ring and its revision, or <see langword="null"/> when the store holds none yet.</returns>
    /// <exception cref="KeyRingStoreException">The stored ring cannot be read (corrupted, or the wrong root key).</exception>
    ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Saves a ring atomically, if the store is still at <paramref name="expectedRevision"/>.</summary>
    /// <param name="ring">The new ring.</param>
    /// <param name="expectedRevision">The revision the change was based on; 0 when creating the first ring.</param>
    /// <param name="cancellationToken">Cancels the save before it commits.</param>
    /// <returns>The new revision.</returns>
    /// <exception cref="KeyRingConcurrencyException">The store is no longer at <paramref name="expectedRevision"/>: reload and retry.</exception>
    /// <exception cref="NotSupportedException">The store is read-only.</exception>
    ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default);
}
