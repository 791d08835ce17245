using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VersionedEnvelope;

namespace VersionedEnvelope.Benchmarks;

/// <summary>Moving one ciphertext from key version 1 to version 2: decrypt + encrypt against rewrap (copying, in place).</summary>
[MemoryDiagnoser]
public class RewrapBenchmarks
{
    private readonly byte[] _aad = "UserProfile:42:apiKey"u8.ToArray();
    private EnvelopeEncryptor _current = null!;
    private byte[] _source = null!;
    private byte[] _plaintext = null!;
    private byte[] _destination = null!;
    private byte[] _inPlace = null!;
    private byte[] _alreadyCurrent = null!;

    [Params(1024, 1048576)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var keys = new Dictionary<int, byte[]> { [1] = RandomNumberGenerator.GetBytes(32), [2] = RandomNumberGenerator.GetBytes(32) };
        _source = new EnvelopeEncryptor(KeyRing.FromKeys(keys, 1)).Encrypt(RandomNumberGenerator.GetBytes(Size), _aad);
        _current = new EnvelopeEncryptor(KeyRing.FromKeys(keys, 2));
        _plaintext = new byte[Size];
        _destination = new byte[_source.Length];
        _inPlace = (byte[])_source.Clone();
        _alreadyCurrent = _current.Encrypt(RandomNumberGenerator.GetBytes(Size), _aad);
    }

    [Benchmark(Baseline = true)]
    public int DecryptThenEncrypt()
    {
        _current.Decrypt(_source, _plaintext, _aad);
        return _current.Encrypt(_plaintext, _destination, _aad);
    }

    [Benchmark]
    public bool RewrapCopying() => _current.Rewrap(_source, _destination);

    /// <summary>A ciphertext already under the active version: its wrapped data key is still verified (one AES-GCM open of 32 bytes).</summary>
    [Benchmark]
    public bool RewrapCurrentInPlace() => _current.Rewrap(_alreadyCurrent, _alreadyCurrent);

    [Benchmark]
    public bool RewrapInPlace()
    {
        // Only the 64 header bytes that a rewrap changes are restored, so the loop measures the rewrap, not a 1 MiB copy.
        _source.AsSpan(0, 67).CopyTo(_inPlace);
        return _current.Rewrap(_inPlace, _inPlace);
    }
}
