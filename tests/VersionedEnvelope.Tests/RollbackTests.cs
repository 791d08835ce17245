using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

public sealed class RollbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RefreshAsync_StoreRolledBackToAnOlderRevision_KeepsTheNewerRingLogsAnErrorAndCountsIt()
    {
        var store = new RollbackStore(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        var logger = new FakeLogger<KeyRingManager>();
        using var rollbacks = new MetricCollector<long>(null, KeyRingMetrics.MeterName, KeyRingMetrics.RollbacksName);
        using var manager = new KeyRingManager(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero }, TimeProvider.System, logger);
        await manager.InitializeAsync(Ct);
        var backup = await store.LoadAsync(Ct);
        await manager.RotateAsync("ops", Ct);
        long held = manager.Revision;

        store.Override = backup;
        bool changed = await manager.RefreshAsync(Ct);

        Assert.False(changed);
        Assert.Equal(held, manager.Revision);
        Assert.Equal(2, manager.Current.ActiveVersion);
        var error = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Equal(14, error.Id.Id);
        Assert.Contains($"revision {backup!.Revision}", error.Message, StringComparison.Ordinal);
        Assert.Contains(rollbacks.GetMeasurementSnapshot(), m => m.Value == 1);
    }

    [Fact]
    public async Task RefreshAsync_SameOrNewerRevision_IsNoRollback()
    {
        var store = new RollbackStore(new InMemoryKeyRingStore(KeyRing.CreateNew()));
        var logger = new FakeLogger<KeyRingManager>();
        using var manager = new KeyRingManager(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero }, TimeProvider.System, logger);
        await manager.InitializeAsync(Ct);

        await manager.RefreshAsync(Ct);
        await manager.RotateAsync("ops", Ct);
        await manager.RefreshAsync(Ct);

        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Error);
    }

    /// <summary>A store whose loads can be made to return an older document, as a restored backup would.</summary>
    private sealed class RollbackStore(IKeyRingStore inner) : IKeyRingStore
    {
        public StoredKeyRing? Override { get; set; }

        public bool CanSave => inner.CanSave;

        public async ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default) =>
            Override ?? await inner.LoadAsync(cancellationToken);

        public ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default) =>
            inner.SaveAsync(ring, expectedRevision, cancellationToken);
    }
}
