using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Benchmarks;

/// <summary>
/// Decrypting a 1 KiB message under a version the host knows, through a fixed ring (the floor) and through a
/// <see cref="KeyRingManager"/> over a store, with and without a pending version: what the manager's snapshot read (and
/// its activation check while a version is pending) adds to every call.
/// </summary>
[MemoryDiagnoser]
public class KeyRingLookupBenchmarks
{
    private readonly byte[] _aad = "UserProfile:42:apiKey"u8.ToArray();
    private byte[] _decrypted = null!;
    private byte[] _ciphertext = null!;
    private EnvelopeEncryptor _fixedRing = null!;
    private EnvelopeEncryptor _managed = null!;
    private EnvelopeEncryptor _managedWithPending = null!;
    private KeyRingManager _manager = null!;
    private KeyRingManager _managerWithPending = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = KeyRing.CreateNew();
        _fixedRing = new EnvelopeEncryptor(ring);
        _manager = new KeyRingManager(new InMemoryKeyRingStore(ring), new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
        _manager.InitializeAsync().GetAwaiter().GetResult();
        _managed = new EnvelopeEncryptor(_manager);
        _managerWithPending = new KeyRingManager(
            new InMemoryKeyRingStore(ring),
            new KeyRingOptions { RefreshInterval = TimeSpan.Zero, ActivationDelay = TimeSpan.FromDays(2) });
        _managerWithPending.InitializeAsync().GetAwaiter().GetResult();
        _managerWithPending.RotateAsync("benchmark").GetAwaiter().GetResult();
        _managedWithPending = new EnvelopeEncryptor(_managerWithPending);
        _ciphertext = _fixedRing.Encrypt(RandomNumberGenerator.GetBytes(1024), _aad);
        _decrypted = new byte[1024];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _manager.Dispose();
        _managerWithPending.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int DecryptFixedRing() => _fixedRing.Decrypt(_ciphertext, _decrypted, _aad).BytesWritten;

    [Benchmark]
    public int DecryptThroughManager() => _managed.Decrypt(_ciphertext, _decrypted, _aad).BytesWritten;

    [Benchmark]
    public int DecryptThroughManagerWhileAVersionIsPending() => _managedWithPending.Decrypt(_ciphertext, _decrypted, _aad).BytesWritten;
}
