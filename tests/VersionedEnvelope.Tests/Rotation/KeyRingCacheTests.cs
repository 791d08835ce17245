using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests.Rotation;

public sealed class KeyRingCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetRingWithAsync_ManyCallersForANewVersion_ShareOneReload()
    {
        var store = new CountingStore(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        using var cache = Cache(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
        await cache.InitializeAsync(Ct);
        var stored = (await store.LoadAsync(Ct))!;
        await store.SaveAsync(KeyRingRules.Rotate(stored.Ring, "other-host", DateTimeOffset.UtcNow, TimeSpan.Zero).Ring!, stored.Revision, Ct);
        int loadsBefore = store.Loads;
        store.Gate = new TaskCompletionSource();

        var callers = Enumerable.Range(0, 16).Select(_ => cache.GetRingWithAsync(2, Ct).AsTask()).ToArray();
        store.Gate.SetResult();
        var rings = await Task.WhenAll(callers);

        Assert.All(rings, ring => Assert.True(ring.TryGetKey(2, out _)));
        Assert.InRange(store.Loads - loadsBefore, 1, 2);
    }

    [Fact]
    public async Task GetRingWithAsync_AVersionTheStoreLacks_IsNotLookedForAgainWithinTheInterval()
    {
        var time = new FakeTimeProvider();
        var store = new CountingStore(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        var options = new KeyRingOptions { RefreshInterval = TimeSpan.Zero, UnknownVersionReloadInterval = TimeSpan.FromSeconds(5) };
        using var cache = Cache(store, options, time);
        await cache.InitializeAsync(Ct);

        await cache.GetRingWithAsync(9, Ct);
        int afterFirst = store.Loads;
        await cache.GetRingWithAsync(9, Ct);
        int afterSecond = store.Loads;
        time.Advance(TimeSpan.FromSeconds(6));
        await cache.GetRingWithAsync(9, Ct);

        Assert.Equal(afterFirst, afterSecond);
        Assert.Equal(afterSecond + 1, store.Loads);
    }

    [Fact]
    public async Task Snapshot_APendingVersion_BecomesActiveAtItsTimeWithoutARefresh()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var ring = KeyRingRules.Rotate(KeyRing.CreateNew(time), "ops", time.GetUtcNow(), TimeSpan.FromHours(1)).Ring!;
        var store = new CountingStore(new InMemoryKeyRingStore(ring));
        using var cache = Cache(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero }, time);
        await cache.InitializeAsync(Ct);
        int loads = store.Loads;

        int before = cache.Snapshot().Ring.ActiveVersion;
        time.Advance(TimeSpan.FromHours(1));
        int after = cache.Snapshot().Ring.ActiveVersion;

        Assert.Equal((1, 2), (before, after));
        Assert.Equal(loads, store.Loads);
    }

    [Fact]
    public async Task RefreshLoop_OnItsInterval_PicksUpAnotherHostsRotation()
    {
        var time = new FakeTimeProvider();
        var store = new CountingStore(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        using var cache = Cache(store, new KeyRingOptions { RefreshInterval = TimeSpan.FromSeconds(30), WatchForChanges = false }, time);
        await cache.InitializeAsync(Ct);
        var stored = (await store.LoadAsync(Ct))!;
        await store.SaveAsync(KeyRingRules.Rotate(stored.Ring, "other-host", time.GetUtcNow(), TimeSpan.Zero).Ring!, stored.Revision, Ct);

        time.Advance(TimeSpan.FromSeconds(30));
        for (int i = 0; i < 200 && cache.Snapshot().Ring.ActiveVersion != 2; i++)
        {
            await Task.Delay(10, Ct);
        }

        Assert.Equal(2, cache.Snapshot().Ring.ActiveVersion);
    }

    [Fact]
    public void Publish_AnOlderOrEqualRevision_KeepsTheNewerSnapshot()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var cache = Cache(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
        var newer = new StoredKeyRing(KeyRing.CreateNew(), 5);

        Assert.True(cache.Publish(newer));
        Assert.False(cache.Publish(new StoredKeyRing(KeyRing.CreateNew(), 5)));
        Assert.False(cache.Publish(new StoredKeyRing(KeyRing.CreateNew(), 4)));
        Assert.Same(newer, cache.Snapshot());
    }

    private static KeyRingCache Cache(IKeyRingStore store, KeyRingOptions options, TimeProvider? time = null) =>
        new(store, options, time ?? TimeProvider.System, NullLogger.Instance, _ => throw new InvalidOperationException("The test store is never empty."));

    /// <summary>Counts loads, and can hold them until a gate opens (so concurrent callers meet one reload in flight).</summary>
    private sealed class CountingStore(IKeyRingStore inner) : IKeyRingStore
    {
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public TaskCompletionSource? Gate { get; set; }

        public bool CanSave => true;

        public async ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _loads);
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            return await inner.LoadAsync(cancellationToken);
        }

        public ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default) =>
            inner.SaveAsync(ring, expectedRevision, cancellationToken);
    }
}
