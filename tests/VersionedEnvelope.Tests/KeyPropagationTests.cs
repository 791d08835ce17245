using System.Text;
using Microsoft.Extensions.Time.Testing;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

/// <summary>Several hosts on one key ring store: a rotation on one never makes a decrypt on another fail.</summary>
public sealed class KeyPropagationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ve-propagation-").FullName;
    private readonly byte[] _rootKey = FileKeyRingStore.GenerateRootKey();

    private string RingPath => Path.Combine(_directory, "keyring.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Trait("Category", "Slow")]
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Decrypt_SixteenThreadsOnHostB_WhileHostARotates100Times_NoneFails(bool async)
    {
        var ct = TestContext.Current.CancellationToken;
        // Host B neither refreshes on a timer nor watches the file: every new version reaches it through the
        // unknown-version reload alone.
        using var hostA = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), new KeyRingOptions { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true });
        await hostA.InitializeAsync(ct);
        using var hostB = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), new KeyRingOptions { RefreshInterval = TimeSpan.Zero, WatchForChanges = false });
        await hostB.InitializeAsync(ct);
        var encryptorA = new EnvelopeEncryptor(hostA);
        var encryptorB = new EnvelopeEncryptor(hostB);
        int failures = 0, decrypts = 0;
        var timings = new System.Collections.Concurrent.ConcurrentBag<double>();

        for (int rotation = 0; rotation < 100; rotation++)
        {
            var rotated = await hostA.RotateAsync("ops", ct);
            byte[] plaintext = Encoding.UTF8.GetBytes($"written under v{rotated.Version}");
            byte[] ciphertext = encryptorA.Encrypt(plaintext);
            using var start = new Barrier(16);
            var readers = Enumerable.Range(0, 16).Select(_ => Task.Run(
                async () =>
                {
                    start.SignalAndWait(ct);
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    try
                    {
                        var result = async ? await encryptorB.DecryptAsync(ciphertext, cancellationToken: ct) : encryptorB.Decrypt(ciphertext);
                        Assert.Equal(plaintext, result.Plaintext);
                        Assert.Equal(rotated.Version, result.KeyVersion);
                        Interlocked.Increment(ref decrypts);
                        timings.Add(clock.Elapsed.TotalMilliseconds);
                    }
                    catch (EnvelopeException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                },
                ct));
            await Task.WhenAll(readers);
        }

        Assert.True(failures == 0, $"{failures} of {failures + decrypts} decrypts on host B failed");
        Assert.Equal(101, hostB.Current.LatestVersion);
        var sorted = timings.Order().ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"decrypts meeting a new version: p50 {sorted[sorted.Count / 2]:F2} ms, p99 {sorted[sorted.Count * 99 / 100]:F2} ms");
    }

    [Fact]
    public async Task Decrypt_VersionTheStoreLacks_ReloadsOnce_ThenFailsFastWithinTheInterval()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new CountingStore(new InMemoryKeyRingStore());
        using var manager = new KeyRingManager(store, new KeyRingOptions { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true, UnknownVersionReloadInterval = TimeSpan.FromMinutes(1) });
        await manager.InitializeAsync(ct);
        var encryptor = new EnvelopeEncryptor(manager);
        byte[] forged = encryptor.Encrypt([1, 2, 3]);
        forged[6] = 9; // the header now names version 9, which no store has
        int loadsBefore = store.Loads;

        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(() => Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(forged)), ct)).ToList();
        var errors = await Task.WhenAll(tasks);
        int loadsAfterBurst = store.Loads;
        for (int i = 0; i < 100; i++)
        {
            Assert.Throws<EnvelopeException>(() => encryptor.Decrypt(forged));
        }

        var again = await Assert.ThrowsAsync<EnvelopeException>(async () => await encryptor.DecryptAsync(forged, cancellationToken: ct));

        Assert.All(errors, e => Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, e.Reason));
        Assert.Equal(EnvelopeErrorReason.UnknownKeyVersion, again.Reason);
        Assert.Contains("reloaded", again.Message, StringComparison.Ordinal);
        Assert.InRange(loadsAfterBurst - loadsBefore, 1, 8);
        Assert.Equal(loadsAfterBurst, store.Loads);
    }

    [Fact]
    public async Task DecryptAsync_WhileTheStoreIsSlow_DoesNotBlockAndSharesOneReload()
    {
        var ct = TestContext.Current.CancellationToken;
        var inner = new InMemoryKeyRingStore();
        using var hostA = new KeyRingManager(inner, new KeyRingOptions { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true });
        await hostA.InitializeAsync(ct);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new CountingStore(inner, gate.Task);
        using var hostB = new KeyRingManager(slow, new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
        gate.SetResult();
        await hostB.InitializeAsync(ct);
        await hostA.RotateAsync("ops", ct);
        byte[] ciphertext = new EnvelopeEncryptor(hostA).Encrypt([42]);
        var encryptorB = new EnvelopeEncryptor(hostB);
        int loadsBefore = slow.Loads;
        gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Gate = gate.Task;

        var pending = Enumerable.Range(0, 32).Select(_ => encryptorB.DecryptAsync(ciphertext, cancellationToken: ct).AsTask()).ToList();
        Assert.All(pending, p => Assert.False(p.IsCompleted));
        gate.SetResult();
        var results = await Task.WhenAll(pending);

        Assert.All(results, r => Assert.Equal(2, r.KeyVersion));
        Assert.Equal(1, slow.Loads - loadsBefore);
    }

    [Fact]
    public async Task Rotate_WithActivationDelay_AddsAPendingVersionThatDecryptsAtOnce_AndEveryHostActivatesItAtTheSameMoment()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var options = new KeyRingOptions { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true, ActivationDelay = TimeSpan.FromHours(1) };
        using var hostA = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), options, time);
        await hostA.InitializeAsync(ct);
        var rotated = await hostA.RotateAsync("ops", ct);
        using var hostB = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), options, time);
        await hostB.InitializeAsync(ct);

        Assert.Equal(2, rotated.Version);
        foreach (var host in new[] { hostA, hostB })
        {
            Assert.Equal(1, host.Current.ActiveVersion);
            Assert.True(host.Current.TryGetKey(2, out var pending));
            Assert.Equal((KeyState.Pending, time.GetUtcNow().AddHours(1)), (pending.State, pending.ActivatesAt));
        }

        // A ciphertext under the pending version (as a host whose clock ran ahead would write) decrypts everywhere already.
        var early = new EnvelopeEncryptor(hostA.Current.AsOf(time.GetUtcNow().AddHours(1)));
        byte[] ciphertext = early.Encrypt([7]);
        Assert.Equal([7], new EnvelopeEncryptor(hostB).Decrypt(ciphertext).Plaintext);
        Assert.Equal(1, new EnvelopeEncryptor(hostB).Decrypt(new EnvelopeEncryptor(hostB).Encrypt([1])).KeyVersion);

        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(1));
        Assert.Equal((1, 1), (hostA.Current.ActiveVersion, hostB.Current.ActiveVersion));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((2, 2), (hostA.Current.ActiveVersion, hostB.Current.ActiveVersion));
        Assert.Equal(KeyState.DecryptOnly, hostB.Current.Keys[0].State);
        Assert.Equal(2, new EnvelopeEncryptor(hostB).Decrypt(new EnvelopeEncryptor(hostB).Encrypt([1])).KeyVersion);

        // The next change saves the activation; a host that loads the ring afterwards reads version 2 as active.
        await hostA.RetireAsync(1, "ops", ct);
        var reloaded = (await new FileKeyRingStore(RingPath, _rootKey).LoadAsync(ct))!.Ring;
        Assert.Equal((2, KeyState.Retired, (DateTimeOffset?)null), (reloaded.ActiveVersion, reloaded.Keys[0].State, reloaded.Keys[1].ActivatesAt));
    }

    [Fact]
    public async Task FileStore_ARotationOnOneHost_ReachesAnotherThroughTheFileWatcher_WithoutPeriodicRefresh()
    {
        var ct = TestContext.Current.CancellationToken;
        using var hostA = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), new KeyRingOptions { RefreshInterval = TimeSpan.Zero, CreateKeyRingIfMissing = true });
        await hostA.InitializeAsync(ct);
        using var hostB = new KeyRingManager(new FileKeyRingStore(RingPath, _rootKey), new KeyRingOptions { RefreshInterval = TimeSpan.FromHours(1) });
        await hostB.InitializeAsync(ct);

        for (int i = 0; i < 3; i++)
        {
            var rotated = await hostA.RotateAsync("ops", ct);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (hostB.Current.ActiveVersion != rotated.Version)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"host B still has v{hostB.Current.ActiveVersion}, not v{rotated.Version}, after 10 s");
                await Task.Delay(5, ct);
            }
        }
    }

    [Fact]
    public void KeyRingOptions_NegativeActivationDelay_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new KeyRingManager(new InMemoryKeyRingStore(), new KeyRingOptions { ActivationDelay = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("ActivationDelay", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A store that counts loads and can hold them until a gate opens.</summary>
    private sealed class CountingStore(IKeyRingStore inner, Task? gate = null) : IKeyRingStore
    {
        private int _loads;

        public Task? Gate { get; set; } = gate;

        public int Loads => Volatile.Read(ref _loads);

        public bool CanSave => inner.CanSave;

        public async ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _loads);
            if (Gate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

            return await inner.LoadAsync(cancellationToken);
        }

        public ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default) =>
            inner.SaveAsync(ring, expectedRevision, cancellationToken);
    }
}
