using Microsoft.Extensions.Time.Testing;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests.Rotation;

/// <summary>The automatic lifecycle: rotation by age and by use, shared use counts, retirement with proof, destroy with evidence.</summary>
public sealed class KeyRingLifecycleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static KeyRingOptions Policy(TimeSpan period = default, TimeSpan delay = default, long maxDataKeys = 1L << 30) => new()
    {
        RefreshInterval = TimeSpan.Zero,
        RotationPeriod = period,
        ActivationDelay = delay,
        MaxDataKeysPerVersion = maxDataKeys,
    };

    [Theory]
    [InlineData("-00:00:01", 1L << 30, "00:00:00", "RotationPeriod")]
    [InlineData("00:00:00", 0L, "00:00:00", "MaxDataKeysPerVersion")]
    [InlineData("00:00:00", (1L << 32) + 1, "00:00:00", "MaxDataKeysPerVersion")]
    [InlineData("1.00:00:00", 1L << 30, "1.00:00:00", "longer than ActivationDelay")]
    public void Options_OutOfRange_AreRefusedNamingTheSetting(string period, long maxDataKeys, string delay, string named)
    {
        var options = Policy(TimeSpan.Parse(period, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Parse(delay, System.Globalization.CultureInfo.InvariantCulture), maxDataKeys);

        var error = Assert.Throws<ArgumentException>(() => new KeyRingManager(new InMemoryKeyRingStore(KeyRing.CreateNew()), options));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_AreOffExceptCountingAtAQuarterOfTheNistBound()
    {
        var options = new KeyRingOptions();

        Assert.Equal(TimeSpan.Zero, options.RotationPeriod);
        Assert.Equal(1L << 30, options.MaxDataKeysPerVersion);
        Assert.Equal(1L << 32, KeyRingOptions.MaxDataKeysPerVersionLimit);
        Assert.False(options.RetireWhenUnused);
        Assert.Equal(TimeSpan.FromSeconds(5), options.UseFlushInterval);
    }

    [Fact]
    public async Task RotateIfDue_ByAge_CreatesThePendingVersionOneActivationDelayBeforeThePeriodEnds()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew(clock));
        using var manager = new KeyRingManager(store, Policy(TimeSpan.FromDays(90), TimeSpan.FromDays(2)), clock);
        await manager.InitializeAsync(Ct);

        clock.SetUtcNow(Start + TimeSpan.FromDays(88) - TimeSpan.FromSeconds(1));
        Assert.Null(await manager.RotateIfDueAsync(Ct));
        Assert.Equal(Start + TimeSpan.FromDays(88), (await manager.GetStatusAsync(Ct)).NextRotationAt);

        clock.SetUtcNow(Start + TimeSpan.FromDays(88));
        var rotation = await manager.RotateIfDueAsync(Ct);

        Assert.NotNull(rotation);
        Assert.Equal((2, "auto:age"), (rotation.Version, rotation.RotatedBy));
        Assert.True(manager.Current.TryGetKey(2, out var pending));
        Assert.Equal((KeyState.Pending, Start + TimeSpan.FromDays(90)), (pending.State, pending.ActivatesAt!.Value));
        Assert.Equal(1, manager.Current.ActiveVersion);
        Assert.Null(await manager.RotateIfDueAsync(Ct));

        clock.SetUtcNow(Start + TimeSpan.FromDays(90));
        Assert.Equal(2, manager.Current.ActiveVersion);
        Assert.Equal(Start + TimeSpan.FromDays(178), (await manager.GetStatusAsync(Ct)).NextRotationAt);
        Assert.Single(manager.GetRotationHistory());
    }

    [Fact]
    public async Task RotateIfDue_ByUse_RotatesWhenTheSharedCountPassesNinetyPercent()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var manager = new KeyRingManager(store, Policy(maxDataKeys: 100));
        var encryptor = new EnvelopeEncryptor(manager);
        await manager.InitializeAsync(Ct);

        for (int i = 0; i < 89; i++)
        {
            encryptor.Encrypt("secret"u8.ToArray());
        }

        Assert.Equal(89, (await manager.FlushUsesAsync(Ct))[1]);
        Assert.Null(await manager.RotateIfDueAsync(Ct));

        encryptor.Encrypt("one more"u8.ToArray());
        Assert.Equal(90, (await manager.FlushUsesAsync(Ct))[1]);
        var rotation = await manager.RotateIfDueAsync(Ct);

        Assert.Equal((2, "auto:use"), (rotation!.Version, rotation.RotatedBy));
        Assert.Equal(2, manager.Current.ActiveVersion);
        Assert.Null(await manager.RotateIfDueAsync(Ct));
    }

    [Fact]
    public async Task Counting_EveryWrapIsCounted_MessagesTextStreamsRewrapsAndCachedDataKeysOnce()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var manager = new KeyRingManager(store, Policy());
        var encryptor = new EnvelopeEncryptor(manager);
        var cached = new EnvelopeEncryptor(manager, new EnvelopeEncryptorOptions { DataKeyCache = { Enabled = true, MaxMessages = 10 } });
        await manager.InitializeAsync(Ct);

        byte[] old = encryptor.Encrypt("a"u8.ToArray());
        encryptor.EncryptString("b");
        await encryptor.EncryptAsync(new MemoryStream([1, 2, 3]), new MemoryStream(), default, Ct);
        for (int i = 0; i < 25; i++)
        {
            cached.Encrypt("c"u8.ToArray());
        }

        Assert.Equal(3 + 3, (await manager.FlushUsesAsync(Ct))[1]);
        await manager.RotateAsync("ops", Ct);
        encryptor.Rewrap(old);

        Assert.Equal(1, (await manager.FlushUsesAsync(Ct))[2]);
    }

    [Fact]
    public async Task Counting_ConcurrentEncryptsAndFlushes_SumExactlyOnce()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        using var manager = new KeyRingManager(store, Policy());
        var encryptor = new EnvelopeEncryptor(manager);
        await manager.InitializeAsync(Ct);
        using var stop = new CancellationTokenSource();
        var flusher = Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await manager.FlushUsesAsync(Ct);
                }
            },
            Ct);

        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                encryptor.Encrypt("x"u8.ToArray());
            }
        });
        await stop.CancelAsync();
        await flusher;

        Assert.Equal(40_000, (await manager.FlushUsesAsync(Ct))[1]);
    }

    [Fact]
    public async Task Flush_StoreRefuses_KeepsTheCountsAndAddsThemOnceWhenItTakesThemAgain()
    {
        var store = new RefusingUseStore(new InMemoryKeyRingStore(KeyRing.CreateNew())) { Refuse = true };
        using var manager = new KeyRingManager(store, Policy());
        var encryptor = new EnvelopeEncryptor(manager);
        await manager.InitializeAsync(Ct);
        for (int i = 0; i < 7; i++)
        {
            encryptor.Encrypt("x"u8.ToArray());
        }

        var error = await Assert.ThrowsAsync<KeyRingStoreException>(() => manager.FlushUsesAsync(Ct));
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);

        store.Refuse = false;
        encryptor.Encrypt("x"u8.ToArray());
        Assert.Equal(8, (await manager.FlushUsesAsync(Ct))[1]);
        Assert.Equal(8, (await manager.FlushUsesAsync(Ct))[1]);
    }

    [Fact]
    public async Task Flush_HostKilledBeforeItsFlush_TheSharedCountIsUnderNeverDouble()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        var killed = new KeyRingManager(store, Policy());
        var encryptor = new EnvelopeEncryptor(killed);
        for (int i = 0; i < 50; i++)
        {
            encryptor.Encrypt("x"u8.ToArray());
        }

        await killed.FlushUsesAsync(Ct);
        for (int i = 0; i < 30; i++)
        {
            encryptor.Encrypt("x"u8.ToArray());
        }

        // The process ends here: the 30 wraps since the flush are never added.
        using var survivor = new KeyRingManager(store, Policy());
        Assert.Equal(50, (await survivor.FlushUsesAsync(Ct))[1]);
        Assert.Equal(50, (await survivor.GetStatusAsync(Ct)).Versions[0].Uses);
    }

    [Fact]
    public async Task Store_CountNearTheTop_StopsAtLongMaxValueInsteadOfOverflowing()
    {
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew());
        await store.AddUsesAsync(new Dictionary<int, long> { [1] = long.MaxValue - 5 }, Ct);

        var totals = await store.AddUsesAsync(new Dictionary<int, long> { [1] = 10 }, Ct);

        Assert.Equal(long.MaxValue, totals[1]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AddUsesAsync(new Dictionary<int, long> { [1] = 0 }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AddUsesAsync(new Dictionary<int, long> { [0] = 1 }, Ct).AsTask());
    }

    [Fact]
    public async Task RotateIfDue_ClockJumpsBack_RotatesNothingAndReportsNoNegativeAge()
    {
        var clock = new SettableClock(Start);
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew(clock));
        using var manager = new KeyRingManager(store, Policy(TimeSpan.FromDays(10)), clock);
        clock.Now = Start + TimeSpan.FromDays(11);
        Assert.Equal("auto:age", (await manager.RotateIfDueAsync(Ct))!.RotatedBy);

        clock.Now = Start + TimeSpan.FromDays(1);

        Assert.Null(await manager.RotateIfDueAsync(Ct));
        var status = await manager.GetStatusAsync(Ct);
        Assert.Equal(TimeSpan.Zero, status.Versions[1].Age);
        Assert.Equal(Start + TimeSpan.FromDays(21), status.NextRotationAt);
        Assert.Equal(2, manager.Current.Keys.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RotateIfDue_ThreeHostsWakeTogether_OneRotation(bool locking)
    {
        string folder = Directory.CreateTempSubdirectory("lifecycle-").FullName;
        try
        {
            var clock = new FakeTimeProvider(Start);
            var ring = KeyRing.CreateNew(clock);
            byte[] root = FileKeyRingStore.GenerateRootKey();
            var memory = new InMemoryKeyRingStore(ring);
            IKeyRingStore Store() => locking ? new FileKeyRingStore(Path.Combine(folder, "ring.json"), root) : memory;
            if (locking)
            {
                await Store().SaveAsync(ring, 0, Ct);
            }

            var hosts = Enumerable.Range(0, 3).Select(_ => new KeyRingManager(Store(), Policy(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)), clock)).ToList();
            foreach (var host in hosts)
            {
                await host.InitializeAsync(Ct);
            }

            clock.Advance(TimeSpan.FromSeconds(8));
            var rotations = await Task.WhenAll(hosts.Select(h => Task.Run(() => h.RotateIfDueAsync(Ct))));

            Assert.Single(rotations, r => r is not null);
            var stored = (await Store().LoadAsync(Ct))!.Ring;
            Assert.Equal([1, 2], stored.Keys.Select(k => k.Version));
            Assert.Single(stored.History, e => e.Kind == KeyRingEventKind.Rotated);
            hosts.ForEach(h => h.Dispose());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task RetireUnused_OnlyOnceEverySourceCountsNoneUnderTheVersion_WithTheProofInTheAuditEntry()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew(clock));
        var options = Policy();
        options.RetireWhenUnused = true;
        options.RefreshInterval = TimeSpan.FromSeconds(30);
        using var manager = new KeyRingManager(store, options, clock);
        await manager.RotateAsync("ops", Ct);
        var profiles = new FixedUsageSource("Profiles") { Counts = { [1] = 5, [2] = 95 } };
        var files = new FixedUsageSource("Files") { Counts = { [2] = 3 } };

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await manager.RetireUnusedAsync([profiles, files], Ct));
        Assert.Contains("every host has refreshed", (await manager.GetStatusAsync(Ct)).Versions[0].RetirementBlockedBy, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await manager.RetireUnusedAsync([profiles, files], Ct));
        Assert.Contains("5 ciphertexts under it", (await manager.GetStatusAsync(Ct)).Versions[0].RetirementBlockedBy, StringComparison.Ordinal);

        profiles.Counts[1] = 0;
        profiles.Legacy = 2;
        Assert.Empty(await manager.RetireUnusedAsync([profiles, files], Ct));

        profiles.Legacy = 0;
        Assert.Equal([1], await manager.RetireUnusedAsync([profiles, files], Ct));

        var retired = manager.Current.History[^1];
        Assert.Equal((KeyRingEventKind.Retired, 1, "auto:unused"), (retired.Kind, retired.Version, retired.By));
        Assert.Equal("inventory at 2026-01-01T00:01:10.000Z of Profiles (95), Files (3): 0 under v1, 98 in all", retired.Evidence);
        Assert.True(manager.Current.TryGetKey(1, out var key) && key.State == KeyState.Retired);
        Assert.Equal(2, manager.Current.MinDecryptionVersion);
        await Assert.ThrowsAsync<ArgumentException>(() => manager.RetireUnusedAsync([], Ct));
    }

    [Fact]
    public async Task RetireUnused_NeverTouchesTheActiveOrAPendingVersion_AndNeverDestroys()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew(clock));
        using var manager = new KeyRingManager(store, Policy(TimeSpan.FromDays(10), TimeSpan.FromDays(1)), clock);
        clock.SetUtcNow(Start + TimeSpan.FromDays(9));
        await manager.RotateIfDueAsync(Ct);
        var nothing = new FixedUsageSource("Empty") { Counts = { [3] = 1 } };

        Assert.Empty(await manager.RetireUnusedAsync([nothing], Ct));
        Assert.Equal([KeyState.Active, KeyState.Pending], manager.Current.Keys.Select(k => k.State));
        Assert.DoesNotContain(manager.Current.History, e => e.Kind == KeyRingEventKind.Destroyed);
    }

    [Fact]
    public async Task Destroy_WithoutProof_IsRefused_WithProof_RecordsItInTheAuditEntryThatSurvivesTheFile()
    {
        string folder = Directory.CreateTempSubdirectory("lifecycle-").FullName;
        try
        {
            var clock = new FakeTimeProvider(Start);
            byte[] root = FileKeyRingStore.GenerateRootKey();
            string path = Path.Combine(folder, "ring.json");
            using (var manager = new KeyRingManager(new FileKeyRingStore(path, root), new KeyRingOptions { CreateKeyRingIfMissing = true, RefreshInterval = TimeSpan.Zero }, clock))
            {
                await manager.RotateAsync("ops", Ct);
                await Assert.ThrowsAsync<KeyDestructionRefusedException>(() => manager.DestroyAsync(1, "ops", null, cancellationToken: Ct));

                var inventory = await KeyUsageInventory.CollectAsync([new FixedUsageSource("Profiles") { Counts = { [2] = 4 } }], clock, Ct);
                await manager.DestroyAsync(1, "ops", inventory, cancellationToken: Ct);
            }

            using var reopened = new KeyRingManager(new FileKeyRingStore(path, root), new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
            var destroyed = (await reopened.InitializeAsync(Ct)).History[^1];
            Assert.Equal(KeyRingEventKind.Destroyed, destroyed.Kind);
            Assert.Equal("inventory at 2026-01-01T00:00:00.000Z of Profiles (4): 0 under v1, 4 in all", destroyed.Evidence);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task FileStore_UseCounts_LiveBesideTheRing_AndACorruptFileIsATypedError()
    {
        string folder = Directory.CreateTempSubdirectory("lifecycle-").FullName;
        try
        {
            var store = new FileKeyRingStore(Path.Combine(folder, "ring.json"), FileKeyRingStore.GenerateRootKey());
            await store.AddUsesAsync(new Dictionary<int, long> { [1] = 3 }, Ct);
            var totals = await store.AddUsesAsync(new Dictionary<int, long> { [1] = 4, [2] = 1 }, Ct);

            Assert.Equal(new Dictionary<int, long> { [1] = 7, [2] = 1 }, totals);
            Assert.Equal(totals, await store.LoadUsesAsync(Ct));

            await File.WriteAllTextAsync(Path.Combine(folder, "ring.json.uses"), "{\"1\": -4}", Ct);
            await Assert.ThrowsAsync<KeyRingStoreException>(() => store.LoadUsesAsync(Ct).AsTask());
            await File.WriteAllTextAsync(Path.Combine(folder, "ring.json.uses"), "not json", Ct);
            await Assert.ThrowsAsync<KeyRingStoreException>(() => store.AddUsesAsync(new Dictionary<int, long> { [1] = 1 }, Ct).AsTask());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MinDecryptionVersion_IsTheOldestVersionThatStillDecrypts()
    {
        var ring = new KeyRing(
        [
            EnvelopeKey.CreateDestroyed(1, Start),
            EnvelopeKey.Generate(2, KeyState.Retired, Start),
            EnvelopeKey.Generate(3, KeyState.DecryptOnly, Start),
            EnvelopeKey.Generate(4, KeyState.Retired, Start),
            EnvelopeKey.Generate(5, KeyState.Active, Start),
        ]);

        Assert.Equal(3, ring.MinDecryptionVersion);
    }
}
