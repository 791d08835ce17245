using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope.EntityFrameworkCore.Storage;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>The key ring in the database, shared by hosts; the same on every provider.</summary>
public abstract class KeyRingStoreTests(string provider)
{
    private readonly byte[] _rootKey = RandomNumberGenerator.GetBytes(32);

    /// <summary>One application instance: its own service provider over the shared database.</summary>
    private ServiceProvider Host(TestDatabase db, TimeSpan? refresh = null, byte[]? rootKey = null, Action<KeyRingOptions>? configure = null)
    {
        byte[] key = rootKey ?? _rootKey;
        var services = new ServiceCollection();
        services.AddDbContext<TestDbContext>((sp, o) =>
        {
            db.Configure(o);
            o.UseVersionedEnvelope(sp);
        });
        services.AddVersionedEnvelope()
            .PersistKeysToDbContext<TestDbContext>(_ => (byte[])key.Clone())
            .ConfigureKeyRing(o =>
            {
                o.CreateKeyRingIfMissing = true;
                o.RefreshInterval = refresh ?? TimeSpan.FromMinutes(1);
                o.UnknownVersionReloadInterval = TimeSpan.Zero;
                configure?.Invoke(o);
            });
        return services.BuildServiceProvider();
    }

    private static async Task<TestDatabase> DatabaseAsync(string provider) =>
        await TestDatabase.CreateWithSchemaAsync(provider, (await Rings.CreateAsync()).Encryptor);

    [Fact]
    public async Task TwoHosts_Rotating20TimesEachAtOnce_KeepEveryVersionAndEveryEvent()
    {
        await using var db = await DatabaseAsync(provider);
        await using var hostA = Host(db);
        await using var hostB = Host(db);
        var managerA = hostA.GetRequiredService<KeyRingManager>();
        var managerB = hostB.GetRequiredService<KeyRingManager>();
        await managerA.InitializeAsync();
        await managerB.InitializeAsync();

        var rotations = await Task.WhenAll(
            Task.Run(async () => { var v = new List<int>(); for (int i = 0; i < 20; i++) { v.Add((await managerA.RotateAsync("host-a")).Version); } return v; }),
            Task.Run(async () => { var v = new List<int>(); for (int i = 0; i < 20; i++) { v.Add((await managerB.RotateAsync("host-b")).Version); } return v; }));

        var created = rotations.SelectMany(v => v).Order().ToList();
        Assert.Equal(Enumerable.Range(2, 40), created);
        await managerA.RefreshAsync();
        var ring = managerA.Current;
        Assert.Equal(Enumerable.Range(1, 41), ring.Keys.Select(k => k.Version));
        Assert.Equal(41, ring.ActiveVersion);
        var events = managerA.GetRotationHistory();
        Assert.Equal(Enumerable.Range(2, 40), events.Select(e => e.Version).Order());
        Assert.Equal(20, events.Count(e => e.RotatedBy == "host-a"));
        Assert.Equal(20, events.Count(e => e.RotatedBy == "host-b"));
    }

    [Fact]
    public async Task AHost_ReadsAtOnceAVersionAnotherHostCreatedAfterItStarted_AndEncryptsUnderItAfterRefresh()
    {
        await using var db = await DatabaseAsync(provider);
        await using var hostA = Host(db);
        await using var hostB = Host(db, refresh: TimeSpan.FromMilliseconds(200));
        await hostA.GetRequiredService<KeyRingManager>().InitializeAsync();
        await hostB.GetRequiredService<KeyRingManager>().InitializeAsync();
        var encryptorB = hostB.GetRequiredService<IEnvelopeEncryptor>();
        Assert.Equal(1, encryptorB.ActiveKeyVersion);

        await hostA.GetRequiredService<KeyRingManager>().RotateAsync("host-a");
        await using (var scope = hostA.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            context.Profiles.Add(new UserProfile { Email = "a", ApiKey = "written-by-a" });
            await context.SaveChangesAsync();
        }

        await using (var scope = hostB.CreateAsyncScope())
        {
            var profile = await scope.ServiceProvider.GetRequiredService<TestDbContext>().Profiles.SingleAsync();
            Assert.Equal(("written-by-a", 2), (profile.ApiKey, profile.KeyVersion));
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (encryptorB.ActiveKeyVersion != 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, encryptorB.ActiveKeyVersion);
    }

    [Fact]
    public async Task ProtectKeysWith_ReprotectAsync_MovesTheRowToAnotherProtector_WithoutChangingAKey()
    {
        await using var db = await DatabaseAsync(provider);
        byte[] oldKey = RandomNumberGenerator.GetBytes(32), newKey = RandomNumberGenerator.GetBytes(32);
        ServiceProvider Protected(params byte[][] rootKeys)
        {
            var services = new ServiceCollection();
            services.AddDbContext<TestDbContext>(o => db.Configure(o));
            var envelope = services.AddVersionedEnvelope();
            foreach (byte[] key in rootKeys)
            {
                envelope.ProtectKeysWithRootKey(_ => (byte[])key.Clone());
            }

            envelope.PersistKeysToDbContext<TestDbContext>("tenant-a").ConfigureKeyRing(o => o.CreateKeyRingIfMissing = true);
            return services.BuildServiceProvider();
        }

        byte[] material = new byte[32];
        await using (var first = Protected(oldKey))
        {
            (await first.GetRequiredService<KeyRingManager>().InitializeAsync()).ActiveKey.CopyKeyMaterialTo(material);
        }

        await using (var moving = Protected(newKey, oldKey))
        {
            await moving.GetRequiredService<KeyRingManager>().ReprotectAsync("ops");
        }

        await using (var after = Protected(newKey))
        {
            var manager = after.GetRequiredService<KeyRingManager>();
            await manager.ReprotectAsync("ops"); // drops the old key's entry
            var reopened = new byte[32];
            manager.Current.ActiveKey.CopyKeyMaterialTo(reopened);
            Assert.Equal(material, reopened);
            Assert.Equal([KeyRingEventKind.Reprotected, KeyRingEventKind.Reprotected], manager.Current.History.Select(e => e.Kind));
        }

        await using var old = Protected(oldKey);
        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await old.GetRequiredService<IKeyRingStore>().LoadAsync());
        Assert.Contains("tenant-a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_FromAStaleRevision_ThrowsConcurrency_AndWritesNothing()
    {
        await using var db = await DatabaseAsync(provider);
        await using var host = Host(db);
        var store = host.GetRequiredService<IKeyRingStore>();
        var ring = KeyRing.CreateNew();
        Assert.Equal(1, await store.SaveAsync(ring, 0));
        Assert.Equal(2, await store.SaveAsync(ring, 1));

        var stale = await Assert.ThrowsAsync<KeyRingConcurrencyException>(async () => await store.SaveAsync(KeyRing.CreateNew(), 1));
        var first = await Assert.ThrowsAsync<KeyRingConcurrencyException>(async () => await store.SaveAsync(KeyRing.CreateNew(), 0));

        Assert.Contains("2", stale.Message, StringComparison.Ordinal);
        Assert.NotNull(first);
        var stored = await store.LoadAsync();
        Assert.Equal(2, stored!.Revision);
        Assert.True(stored.Ring.TryGetKey(1, out var key));
        ring.TryGetKey(1, out var original);
        var (a, b) = (new byte[32], new byte[32]);
        key!.CopyKeyMaterialTo(a);
        original!.CopyKeyMaterialTo(b);
        Assert.Equal(b, a);
    }

    [Fact]
    public async Task StoredRing_SealsKeyMaterial_AndRefusesACorruptedRowOrAWrongRootKey()
    {
        await using var db = await DatabaseAsync(provider);
        await using var host = Host(db);
        var manager = host.GetRequiredService<KeyRingManager>();
        await manager.InitializeAsync();
        var material = new byte[32];
        manager.Current.ActiveKey.CopyKeyMaterialTo(material);

        await using var scope = host.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
        var row = await context.VersionedEnvelopeKeyRings.AsNoTracking().SingleAsync();
        Assert.Equal("default", row.Name);
        Assert.DoesNotContain(Convert.ToBase64String(material), row.Document, StringComparison.Ordinal);
        Assert.Contains("versioned-envelope-protected-ring-1", row.Document, StringComparison.Ordinal);
        Assert.Contains("\"ring\": \"default\"", row.Document, StringComparison.Ordinal);

        await using var wrongKey = Host(db, rootKey: RandomNumberGenerator.GetBytes(32));
        var error = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await wrongKey.GetRequiredService<IKeyRingStore>().LoadAsync());
        Assert.Contains("cannot be opened by this host: it accepts 'root-key:", error.Message, StringComparison.Ordinal);

        await context.VersionedEnvelopeKeyRings.ExecuteUpdateAsync(s => s.SetProperty(r => r.Document, r => r.Document.Substring(0, 40)));
        var corrupted = await Assert.ThrowsAsync<KeyRingStoreException>(async () => await host.GetRequiredService<IKeyRingStore>().LoadAsync());
        Assert.Contains("not valid key ring JSON", corrupted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseCounts_ThreeHostsAddingAtOnce_SumExactly_AndStopAtTheTop()
    {
        await using var db = await DatabaseAsync(provider);
        var hosts = new[] { Host(db), Host(db), Host(db) };
        try
        {
            var stores = hosts.Select(h => (IKeyUseStore)h.GetRequiredService<IKeyRingStore>()).ToList();
            await Task.WhenAll(stores.Select(store => Task.Run(async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    await store.AddUsesAsync(new Dictionary<int, long> { [1] = 5, [2] = 1 });
                }
            })));

            Assert.Equal(new Dictionary<int, long> { [1] = 300, [2] = 60 }, await stores[0].LoadUsesAsync());
            await stores[1].AddUsesAsync(new Dictionary<int, long> { [3] = long.MaxValue - 1 });
            Assert.Equal(long.MaxValue, (await stores[2].AddUsesAsync(new Dictionary<int, long> { [3] = 10 }))[3]);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task UsageSource_CountsEveryEncryptedColumnByTheVersionInTheHeaders()
    {
        await using var db = await DatabaseAsync(provider);
        await using var host = Host(db);
        var manager = host.GetRequiredService<KeyRingManager>();
        await manager.InitializeAsync();
        await using (var scope = host.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            context.Profiles.Add(new UserProfile { Email = "a@example.com", ApiKey = "key-a", Notes = "note" });
            context.Credentials.Add(new Credential { Secret = "s" });
            await context.SaveChangesAsync();
            await manager.RotateAsync("ops");
        }

        await using (var scope = host.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<TestDbContext>();
            context.Credentials.Add(new Credential { Secret = "t" });
            await context.SaveChangesAsync();
        }

        var source = new DbContextKeyUsageSource<TestDbContext>(host.GetRequiredService<IServiceScopeFactory>());
        var inventory = await source.CountAsync();

        Assert.Equal("TestDbContext", source.Name);
        Assert.Equal(3, inventory.CountOf(1));
        Assert.Equal(1, inventory.CountOf(2));
        Assert.Equal(0, inventory.Legacy + inventory.Malformed);
    }

    [Fact]
    public async Task ThreeHosts_RotationPeriodOfSeconds_OneNewVersionPerPeriodNeverTwo()
    {
        await using var db = await DatabaseAsync(provider);
        var period = TimeSpan.FromSeconds(3);
        var hosts = Enumerable.Range(0, 3).Select(_ => Host(db, configure: o =>
        {
            o.RotationPeriod = period;
            o.ActivationDelay = TimeSpan.FromSeconds(1);
            o.UseFlushInterval = TimeSpan.FromMilliseconds(200);
        })).ToList();
        var services = hosts.SelectMany(h => h.GetServices<Microsoft.Extensions.Hosting.IHostedService>()).ToList();
        try
        {
            foreach (var service in services)
            {
                await service.StartAsync(CancellationToken.None);
            }

            // The first ring was made at start; a version every period after it, each the work of one host. A loaded
            // machine may make a rotation late, never early: wait for three, then check that no two share a period.
            List<KeyRingEvent> rotations = [];
            for (var waited = Stopwatch.StartNew(); rotations.Count < 3 && waited.Elapsed < TimeSpan.FromSeconds(60);)
            {
                await Task.Delay(200);
                rotations = [.. (await hosts[0].GetRequiredService<IKeyRingStore>().LoadAsync())!.Ring.History.Where(e => e.Kind == KeyRingEventKind.Rotated)];
            }

            await Task.Delay(period / 2);
            rotations = [.. (await hosts[0].GetRequiredService<IKeyRingStore>().LoadAsync())!.Ring.History.Where(e => e.Kind == KeyRingEventKind.Rotated)];
            Assert.InRange(rotations.Count, 3, 4);
            Assert.All(rotations, e => Assert.Equal("auto:age", e.By));
            Assert.Equal(rotations.Count, rotations.Select(e => e.Version).Distinct().Count());
            foreach (var (earlier, later) in rotations.Zip(rotations.Skip(1)))
            {
                Assert.InRange(later.At - earlier.At, period - TimeSpan.FromMilliseconds(50), 3 * period);
            }
        }
        finally
        {
            foreach (var service in services)
            {
                await service.StopAsync(CancellationToken.None);
            }

            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}

public sealed class SqliteKeyRingStoreTests() : KeyRingStoreTests("sqlite");

public sealed class PostgresKeyRingStoreTests() : KeyRingStoreTests("postgres")
{
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Postgres_TwoProcesses_Rotating20TimesEachAtOnce_KeepEveryVersion()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        var rings = await Rings.CreateAsync();
        await db.CreateSchemaAsync(rings.Encryptor);
        byte[] rootKey = RandomNumberGenerator.GetBytes(32);
        string rotator = RotatorPath();

        // The first ring is created before the two processes start, so they only rotate.
        var services = new ServiceCollection();
        services.AddDbContext<TestDbContext>(o => db.Configure(o));
        services.AddVersionedEnvelope().PersistKeysToDbContext<TestDbContext>(_ => (byte[])rootKey.Clone()).ConfigureKeyRing(o => o.CreateKeyRingIfMissing = true);
        await using (var host = services.BuildServiceProvider())
        {
            await host.GetRequiredService<KeyRingManager>().InitializeAsync();
        }

        var processes = new[] { "process-a", "process-b" }.Select(by =>
        {
            var start = new ProcessStartInfo("dotnet", [rotator, "20", by]) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["VERSIONEDENVELOPE_ROTATOR_DB"] = ((PostgresTestDatabase)db).ConnectionString;
            start.Environment["VERSIONEDENVELOPE_ROTATOR_ROOT_KEY"] = Convert.ToBase64String(rootKey);
            return Process.Start(start)!;
        }).ToList();
        var outputs = await Task.WhenAll(processes.Select(async p =>
        {
            string output = await p.StandardOutput.ReadToEndAsync();
            string errors = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            Assert.True(p.ExitCode == 0, errors);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        }));

        Assert.Equal(Enumerable.Range(2, 40), outputs.SelectMany(v => v).Order());
        await using (var host = services.BuildServiceProvider())
        {
            var manager = host.GetRequiredService<KeyRingManager>();
            await manager.InitializeAsync();
            Assert.Equal(Enumerable.Range(1, 41), manager.Current.Keys.Select(k => k.Version));
            var history = manager.GetRotationHistory();
            Assert.Equal((20, 20), (history.Count(e => e.RotatedBy == "process-a"), history.Count(e => e.RotatedBy == "process-b")));
        }
    }

    [Fact]
    public async Task Postgres_ASaveNotifiesTheOtherHosts_WhichRefreshWithoutWaitingForTheirInterval()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        await db.CreateSchemaAsync((await Rings.CreateAsync()).Encryptor);
        byte[] rootKey = RandomNumberGenerator.GetBytes(32);
        await using var hostA = PostgresHost(db, rootKey, watch: true);
        await using var hostB = PostgresHost(db, rootKey, watch: true);
        var managerA = hostA.GetRequiredService<KeyRingManager>();
        var managerB = hostB.GetRequiredService<KeyRingManager>();
        await managerA.InitializeAsync();
        await managerB.InitializeAsync();

        // The first rotation also waits for host B's listener to connect; the five after it are timed.
        var seen = new List<TimeSpan>();
        for (int i = 0; i < 6; i++)
        {
            var rotated = await managerA.RotateAsync("host-a");
            var clock = Stopwatch.StartNew();
            while (managerB.Current.LatestVersion < rotated.Version)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"host B had not heard of v{rotated.Version} after 10 s (its periodic refresh is an hour)");
                await Task.Delay(5);
            }

            seen.Add(clock.Elapsed);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"rotation seen by the other host after: {string.Join(", ", seen.Skip(1).Select(t => $"{t.TotalMilliseconds:F0} ms"))}");
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Postgres_SixteenThreadsDecrypt_WhileAnotherProcessRotates100Times_NoneFails()
    {
        await using var db = await PostgresTestDatabase.CreateAsync();
        await db.CreateSchemaAsync((await Rings.CreateAsync()).Encryptor);
        byte[] rootKey = RandomNumberGenerator.GetBytes(32);
        await using var hostB = PostgresHost(db, rootKey, watch: false);
        var managerB = hostB.GetRequiredService<KeyRingManager>();
        await managerB.InitializeAsync();
        var encryptorB = hostB.GetRequiredService<IEnvelopeEncryptor>();
        var start = new ProcessStartInfo("dotnet", [RotatorPath(), "100", "process-a", "--encrypt"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["VERSIONEDENVELOPE_ROTATOR_DB"] = ((PostgresTestDatabase)db).ConnectionString;
        start.Environment["VERSIONEDENVELOPE_ROTATOR_ROOT_KEY"] = Convert.ToBase64String(rootKey);
        using var rotator = Process.Start(start)!;
        var errors = rotator.StandardError.ReadToEndAsync();
        int failures = 0, decrypts = 0;
        var firstDecrypts = new List<double>();

        while (await rotator.StandardOutput.ReadLineAsync() is { } line)
        {
            string[] parts = line.Split(' ', 2);
            string expected = $"written under v{parts[0]}";
            using var barrier = new Barrier(16);
            var readers = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            {
                barrier.SignalAndWait();
                var clock = Stopwatch.StartNew();
                try
                {
                    var result = i % 2 == 0 ? encryptorB.DecryptText(parts[1]) : await encryptorB.DecryptTextAsync(parts[1]);
                    Assert.Equal(expected, result.GetPlaintextAsString());
                    Interlocked.Increment(ref decrypts);
                }
                catch (EnvelopeException)
                {
                    Interlocked.Increment(ref failures);
                }

                return clock.Elapsed.TotalMilliseconds;
            }));
            firstDecrypts.AddRange(await Task.WhenAll(readers));
        }

        await rotator.WaitForExitAsync();
        Assert.True(rotator.ExitCode == 0, await errors);
        Assert.True(failures == 0, $"{failures} of {failures + decrypts} decrypts failed");
        Assert.Equal(1_600, decrypts);
        firstDecrypts.Sort();
        TestContext.Current.TestOutputHelper?.WriteLine($"decrypts meeting a new version: p50 {firstDecrypts[800]:F1} ms, p99 {firstDecrypts[1_584]:F1} ms");
    }

    private static ServiceProvider PostgresHost(TestDatabase db, byte[] rootKey, bool watch)
    {
        var services = new ServiceCollection();
        services.AddDbContext<TestDbContext>(o => db.Configure(o));
        services.AddVersionedEnvelope()
            .PersistKeysToDbContext<TestDbContext>(_ => (byte[])rootKey.Clone())
            .ConfigureKeyRing(o =>
            {
                o.CreateKeyRingIfMissing = true;
                o.RefreshInterval = TimeSpan.FromHours(1);
                o.WatchForChanges = watch;
            });
        return services.BuildServiceProvider();
    }

    private static string RotatorPath()
    {
        var tests = new DirectoryInfo(AppContext.BaseDirectory);
        while (!Directory.Exists(Path.Combine(tests.FullName, "Tools", "KeyRingRotator")))
        {
            tests = tests.Parent ?? throw new DirectoryNotFoundException("tests/Tools/KeyRingRotator was not found above the test binaries.");
        }

        string configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        string rotator = Path.Combine(tests.FullName, "Tools", "KeyRingRotator", "bin", configuration, "net10.0", "KeyRingRotator.dll");
        Assert.True(File.Exists(rotator), $"{rotator} is not built (it is in Libraries.sln).");
        return rotator;
    }
}
