using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests.Rotation;

/// <summary>A clock the test sets anywhere, backwards included (FakeTimeProvider only moves forward).</summary>
internal sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A key usage source whose counts the test sets.</summary>
internal sealed class FixedUsageSource(string name) : IKeyUsageSource
{
    public Dictionary<int, long> Counts { get; } = [];

    public long Legacy { get; set; }

    public string Name => name;

    public Task<KeyUsageInventory> CountAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(KeyUsageInventory.FromCounts(Counts, Legacy));
}

/// <summary>An in-memory store whose use counter can be made to refuse updates, as a database that is down would.</summary>
internal sealed class RefusingUseStore(InMemoryKeyRingStore inner) : IKeyRingStore, IKeyUseStore
{
    public bool Refuse { get; set; }

    public int Adds { get; private set; }

    public bool CanSave => true;

    public ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default) => inner.LoadAsync(cancellationToken);

    public ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default) =>
        inner.SaveAsync(ring, expectedRevision, cancellationToken);

    public ValueTask<IReadOnlyDictionary<int, long>> LoadUsesAsync(CancellationToken cancellationToken = default) => inner.LoadUsesAsync(cancellationToken);

    public ValueTask<IReadOnlyDictionary<int, long>> AddUsesAsync(IReadOnlyDictionary<int, long> uses, CancellationToken cancellationToken = default)
    {
        Adds++;
        return Refuse ? throw new KeyRingStoreException("the counter table is read-only") : inner.AddUsesAsync(uses, cancellationToken);
    }
}
