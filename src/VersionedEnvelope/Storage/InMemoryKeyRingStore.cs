namespace VersionedEnvelope.Storage;

/// <summary>A key ring store in process memory: for tests, and for hosts that rebuild the ring at every start.</summary>
public sealed class InMemoryKeyRingStore : IKeyRingStore, IKeyUseStore
{
    private readonly object _gate = new();
    private StoredKeyRing? _stored;
    private IReadOnlyDictionary<int, long> _uses = new SortedDictionary<int, long>();

    /// <summary>Creates an empty store, or one holding <paramref name="initial"/> at revision 1.</summary>
    /// <param name="initial">The ring to start with, if any.</param>
    public InMemoryKeyRingStore(KeyRing? initial = null)
    {
        _stored = initial is null ? null : new StoredKeyRing(initial, 1);
    }

    /// <inheritdoc />
    public bool CanSave => true;

    /// <inheritdoc />
    public ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_stored);
        }
    }

    /// <inheritdoc />
    public ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ring);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            long current = _stored?.Revision ?? 0;
            if (current != expectedRevision)
            {
                throw new KeyRingConcurrencyException(expectedRevision, current);
            }

            _stored = new StoredKeyRing(ring, current + 1);
            return ValueTask.FromResult(current + 1);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<int, long>> LoadUsesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Volatile.Read(ref _uses));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<int, long>> AddUsesAsync(IReadOnlyDictionary<int, long> uses, CancellationToken cancellationToken = default)
    {
        KeyUseCounts.ThrowIfInvalid(uses);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _uses = KeyUseCounts.AddTo(_uses, uses);
            return ValueTask.FromResult(_uses);
        }
    }
}
