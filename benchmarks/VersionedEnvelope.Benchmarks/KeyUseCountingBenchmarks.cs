using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Benchmarks;

/// <summary>
/// What counting wraps for rotation by use adds to a 1 KiB encrypt: the same key ring manager over a store that keeps
/// counts (a striped interlocked add per wrap) and over one that does not (no counter). Goal: at most 1.02×.
/// </summary>
[MemoryDiagnoser]
public class KeyUseCountingBenchmarks
{
    private readonly byte[] _aad = "UserProfile:42:apiKey"u8.ToArray();
    private byte[] _plaintext = null!;
    private byte[] _envelope = null!;
    private KeyRingManager _uncountedManager = null!;
    private KeyRingManager _countedManager = null!;
    private EnvelopeEncryptor _uncounted = null!;
    private EnvelopeEncryptor _counted = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = KeyRing.CreateNew();
        var options = new KeyRingOptions { RefreshInterval = TimeSpan.Zero };
        _uncountedManager = new KeyRingManager(new StaticKeyRingStore(ring), options);
        _countedManager = new KeyRingManager(new InMemoryKeyRingStore(ring), options);
        _uncountedManager.InitializeAsync().GetAwaiter().GetResult();
        _countedManager.InitializeAsync().GetAwaiter().GetResult();
        _uncounted = new EnvelopeEncryptor(_uncountedManager);
        _counted = new EnvelopeEncryptor(_countedManager);
        _plaintext = RandomNumberGenerator.GetBytes(1024);
        _envelope = new byte[_counted.GetCiphertextLength(_plaintext.Length)];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _uncountedManager.Dispose();
        _countedManager.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int EncryptWithoutCounting() => _uncounted.Encrypt(_plaintext, _envelope, _aad);

    [Benchmark]
    public int EncryptCounting() => _counted.Encrypt(_plaintext, _envelope, _aad);
}
