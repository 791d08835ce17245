using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests.Rotation;

/// <summary>The manager's own job: load → apply a rule → save with the store's concurrency → publish.</summary>
public sealed class KeyRingManagerTests
{
    private static readonly KeyRingOptions NoRefresh = new() { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RotateAsync_SaveLosesToAnotherHost_ReplaysOnItsRingAndKeepsBothRotations()
    {
        var inner = new InMemoryKeyRingStore(KeyRing.CreateNew());
        var store = new RacingStore(inner);
        using var manager = new KeyRingManager(store, NoRefresh);
        await manager.InitializeAsync(Ct);

        var rotation = await manager.RotateAsync("this-host", Ct);

        Assert.Equal(3, rotation.Version);
        Assert.Equal(["other-host", "this-host"], manager.GetRotationHistory().Select(e => e.RotatedBy));
        Assert.Equal(3, (await inner.LoadAsync(Ct))!.Ring.ActiveVersion);
        Assert.Equal(3, manager.Current.ActiveVersion);
    }

    [Fact]
    public async Task RetireAsync_Refused_SavesNothingAndThrowsTheRulesMessage()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var manager = new KeyRingManager(store, NoRefresh);
        await manager.InitializeAsync(Ct);
        long revision = manager.Revision;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => manager.RetireAsync(1, "ops", Ct));

        Assert.Equal("Key version 1 cannot become Retired: it is the active version; rotate first.", error.Message);
        Assert.Equal(revision, (await store.LoadAsync(Ct))!.Revision);
    }

    [Fact]
    public async Task RetireAsync_AlreadyRetired_SavesNothing()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var manager = new KeyRingManager(store, NoRefresh);
        await manager.RotateAsync("ops", Ct);
        await manager.RetireAsync(1, "ops", Ct);
        long revision = (await store.LoadAsync(Ct))!.Revision;

        await manager.RetireAsync(1, "ops", Ct);

        Assert.Equal(revision, (await store.LoadAsync(Ct))!.Revision);
        Assert.Single(manager.Current.History, e => e.Kind == KeyRingEventKind.Retired);
    }

    [Fact]
    public async Task DestroyAsync_WithoutProof_IsRefusedAsMissingEvidence()
    {
        using var manager = new KeyRingManager(new InMemoryKeyRingStore(KeyRing.CreateNew()), NoRefresh);
        await manager.RotateAsync("ops", Ct);

        var error = await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.DestroyAsync(1, "ops", inventory: null, cancellationToken: Ct));

        Assert.Equal(1, error.Version);
        Assert.Equal(KeyState.DecryptOnly, manager.Current.Keys[0].State);
    }

    [Fact]
    public async Task ChangesOnAReadOnlyStore_AreNotSupported()
    {
        using var manager = new KeyRingManager(new StaticKeyRingStore(KeyRing.CreateNew()), NoRefresh);

        await Assert.ThrowsAsync<NotSupportedException>(() => manager.RotateAsync("ops", Ct));
    }

    [Fact]
    public async Task RotateAsync_ALockingStore_ChangesUnderItsLockWithoutRetries()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ve-manager-{Guid.NewGuid():N}.json");
        try
        {
            var rootKey = FileKeyRingStore.GenerateRootKey();
            using var first = new KeyRingManager(new FileKeyRingStore(path, rootKey), NoRefresh);
            using var second = new KeyRingManager(new FileKeyRingStore(path, rootKey), NoRefresh);
            await first.InitializeAsync(Ct);
            await second.InitializeAsync(Ct);

            var rotations = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? first : second).RotateAsync($"host-{i}", Ct)));

            Assert.Equal([2, 3, 4, 5], rotations.Select(r => r.Version).Order());
            Assert.True(await first.RefreshAsync(Ct) || first.Current.ActiveVersion == 5);
            Assert.Equal(5, first.Current.ActiveVersion);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A store whose first save loses to another host that rotated in between.</summary>
    private sealed class RacingStore(InMemoryKeyRingStore inner) : IKeyRingStore
    {
        private int _saves;

        public bool CanSave => true;

        public ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default) => inner.LoadAsync(cancellationToken);

        public async ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _saves) == 1)
            {
                var stored = (await inner.LoadAsync(cancellationToken))!;
                await inner.SaveAsync(KeyRingRules.Rotate(stored.Ring, "other-host", DateTimeOffset.UtcNow, TimeSpan.Zero).Ring!, stored.Revision, cancellationToken);
            }

            return await inner.SaveAsync(ring, expectedRevision, cancellationToken);
        }
    }
}
