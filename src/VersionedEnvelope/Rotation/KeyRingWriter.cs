using VersionedEnvelope.Storage;

namespace VersionedEnvelope;

/// <summary>Saves a key ring change with the store's concurrency.</summary>
/// <remarks>
/// Under the store's lock when it has one (<see cref="ILockingKeyRingStore"/>), otherwise load → apply → save with the
/// revision it loaded, replayed on the newer ring when another host saved first. One change at a time per host; the
/// caller publishes what it returns.
/// </remarks>
internal sealed class KeyRingWriter(IKeyRingStore store, bool createIfMissing, TimeProvider timeProvider) : IDisposable
{
    private const int MaxConcurrencyAttempts = 10;
    private readonly IKeyRingStore _store = store;
    private readonly bool _createIfMissing = createIfMissing;
    private readonly TimeProvider _timeProvider = timeProvider;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>Load → apply the rule → save with the store's concurrency; returns the ring as stored afterwards (unchanged: as it was).</summary>
    public async Task<StoredKeyRing> ApplyAsync(Func<KeyRing, KeyRingChange> rule, CancellationToken cancellationToken)
    {
        if (!_store.CanSave)
        {
            throw new NotSupportedException($"The key ring store ({_store.GetType().Name}) is read-only: register one that saves (PersistKeysToFile or "
                + "PersistKeysToDbContext) to change the ring.");
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _store is ILockingKeyRingStore locking
                ? await SaveLockedAsync(locking, rule, cancellationToken).ConfigureAwait(false)
                : await SaveOptimisticAsync(rule, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The change applied under the store's lock: it cannot meet another writer, so it never retries.</summary>
    private async Task<StoredKeyRing> SaveLockedAsync(ILockingKeyRingStore store, Func<KeyRing, KeyRingChange> rule, CancellationToken cancellationToken)
    {
        var stored = await store.UpdateAsync(
            current =>
            {
                var change = rule(current?.Ring.AsOf(_timeProvider.GetUtcNow()) ?? CreateRing());
                var next = change.RingOrThrow();
                return current is null || change.Event is not null ? next : null;
            },
            cancellationToken).ConfigureAwait(false);
        return stored!;
    }

    /// <summary>The change saved with optimistic concurrency: a save that loses to another host's is replayed on its ring.</summary>
    private async Task<StoredKeyRing> SaveOptimisticAsync(Func<KeyRing, KeyRingChange> rule, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            var stored = await _store.LoadAsync(cancellationToken).ConfigureAwait(false) ?? await CreateAsync(cancellationToken).ConfigureAwait(false);
            var change = rule(stored.Ring.AsOf(_timeProvider.GetUtcNow()));
            var next = change.RingOrThrow();
            if (change.Event is null)
            {
                return stored;
            }

            try
            {
                return new StoredKeyRing(next, await _store.SaveAsync(next, stored.Revision, cancellationToken).ConfigureAwait(false));
            }
            catch (KeyRingConcurrencyException) when (attempt < MaxConcurrencyAttempts)
            {
                // Another host saved first: replay the change on its ring, after a short random pause so two hosts that
                // keep colliding fall out of step.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private KeyRing CreateRing() => _createIfMissing
        ? KeyRing.CreateNew(_timeProvider)
        : throw new InvalidOperationException(
            "The key ring store is empty. Create a key ring first (for example with 'envelope ring create'), or set KeyRingOptions.CreateKeyRingIfMissing.");

    public async Task<StoredKeyRing> CreateAsync(CancellationToken cancellationToken)
    {
        var ring = CreateRing();
        try
        {
            return new StoredKeyRing(ring, await _store.SaveAsync(ring, 0, cancellationToken).ConfigureAwait(false));
        }
        catch (KeyRingConcurrencyException)
        {
            // Another host created it first: use theirs.
            return await _store.LoadAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The key ring store reported a concurrent creation but holds no ring.");
        }
    }

    public void Dispose() => _writeGate.Dispose();
}
