using Microsoft.Extensions.Time.Testing;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests.Rotation;

/// <summary>The hosted service every host runs: it sleeps until the next step, and the store's concurrency makes one host rotate.</summary>
public sealed class KeyRingLifecycleServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeHosts_PeriodOfSeconds_OneNewVersionPerPeriodNeverTwo()
    {
        string folder = Directory.CreateTempSubdirectory("lifecycle-").FullName;
        var clock = new FakeTimeProvider(Start);
        byte[] root = FileKeyRingStore.GenerateRootKey();
        string path = Path.Combine(folder, "ring.json");
        var options = new KeyRingOptions
        {
            RefreshInterval = TimeSpan.FromSeconds(1),
            RotationPeriod = TimeSpan.FromSeconds(10),
            ActivationDelay = TimeSpan.FromSeconds(2),
            CreateKeyRingIfMissing = true,
        };
        var managers = Enumerable.Range(0, 3).Select(_ => new KeyRingManager(new FileKeyRingStore(path, root), options, clock)).ToList();
        var services = managers.Select(m => new KeyRingLifecycle(m, [], clock)).ToList();
        try
        {
            foreach (var service in services)
            {
                await service.StartAsync(Ct);
            }

            var store = new FileKeyRingStore(path, root);
            for (int period = 1; period <= 3; period++)
            {
                // Time moves one second at a time, with a moment between steps for every host to wake and act.
                await AdvanceUntilAsync(clock, async () => (await store.LoadAsync(Ct))!.Ring.LatestVersion == period + 1);
            }

            await AdvanceAsync(clock, TimeSpan.FromSeconds(5));
            var ring = (await store.LoadAsync(Ct))!.Ring;
            var rotations = ring.History.Where(e => e.Kind == KeyRingEventKind.Rotated).ToList();
            Assert.Equal([2, 3, 4], rotations.Select(e => e.Version));
            Assert.All(rotations, e => Assert.Equal("auto:age", e.By));
            Assert.Equal([8, 18, 28], rotations.Select(e => (int)(e.At - Start).TotalSeconds));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.StopAsync(Ct);
                service.Dispose();
            }

            managers.ForEach(m => m.Dispose());
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Stop_FlushesTheCountsTheHostHasNotAddedYet()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew(clock));
        using var manager = new KeyRingManager(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero, UseFlushInterval = TimeSpan.FromHours(1) }, clock);
        using var service = new KeyRingLifecycle(manager, [], clock);
        await service.StartAsync(Ct);
        var encryptor = new EnvelopeEncryptor(manager);
        for (int i = 0; i < 12; i++)
        {
            encryptor.Encrypt("x"u8.ToArray());
        }

        Assert.Empty(await store.LoadUsesAsync(Ct));
        await service.StopAsync(Ct);

        Assert.Equal(12, (await store.LoadUsesAsync(Ct))[1]);
    }

    [Fact]
    public async Task RetireWhenUnused_RetiresAtStartAndAtEachCheck_OnceTheSourcesProveIt()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryKeyRingStore(KeyRing.CreateNew(clock));
        var options = new KeyRingOptions
        {
            RefreshInterval = TimeSpan.FromSeconds(30),
            RetireWhenUnused = true,
            RetirementCheckInterval = TimeSpan.FromMinutes(1),
        };
        using var manager = new KeyRingManager(store, options, clock);
        await manager.RotateAsync("ops", Ct);
        var source = new FixedUsageSource("Profiles") { Counts = { [1] = 1, [2] = 9 } };
        using var service = new KeyRingLifecycle(manager, [source], clock);
        await service.StartAsync(Ct);

        await AdvanceAsync(clock, TimeSpan.FromSeconds(70));
        Assert.Equal(KeyState.DecryptOnly, manager.Current.Keys[0].State);

        source.Counts[1] = 0;
        await AdvanceUntilAsync(clock, () => Task.FromResult(manager.Current.Keys[0].State == KeyState.Retired));
        await service.StopAsync(Ct);

        Assert.Equal("auto:unused", manager.Current.History[^1].By);
    }

    [Fact]
    public async Task AStepThatKeepsFailing_IsRetriedAfterAPause_NotInATightLoop()
    {
        var clock = new FakeTimeProvider(Start);
        var ring = KeyRing.CreateNew(clock);
        // A read-only store cannot take the rotation that is due at once.
        using var manager = new KeyRingManager(new StaticKeyRingStore(ring), new KeyRingOptions { RefreshInterval = TimeSpan.Zero, RotationPeriod = TimeSpan.FromSeconds(1) }, clock);
        var log = new CountingLogger();
        using var service = new KeyRingLifecycle(manager, [], clock, log);
        clock.Advance(TimeSpan.FromSeconds(2));
        await service.StartAsync(Ct);

        await Task.Delay(500, Ct);
        Assert.Equal(1, log.Failures);
        clock.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(500, Ct);
        Assert.Equal(2, log.Failures);
        await service.StopAsync(Ct);
    }

    private sealed class CountingLogger : Microsoft.Extensions.Logging.ILogger<KeyRingLifecycle>
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(
            Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 19)
            {
                Interlocked.Increment(ref _failures);
            }
        }
    }

    private static async Task AdvanceAsync(FakeTimeProvider clock, TimeSpan by)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += TimeSpan.FromSeconds(1))
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, Ct);
        }
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, Func<Task<bool>> done)
    {
        for (int step = 0; step < 10_000; step++)
        {
            if (await done())
            {
                return;
            }

            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, Ct);
        }

        Assert.Fail("The condition was not met within 10,000 simulated seconds.");
    }
}
