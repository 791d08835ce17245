using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VersionedEnvelope;

namespace VersionedEnvelope.Benchmarks;

/// <summary>
/// VE1 streams: 64 MiB in 64 KiB segments against raw AES-GCM over the same segments (a reused key, no streams), and an
/// in-place rewrap of a 1 GiB file (its first 67 bytes and one fsync).
/// </summary>
[MemoryDiagnoser]
public class StreamBenchmarks
{
    private const int Segment = 64 * 1024;
    private const int Size = 64 * 1024 * 1024;
    private readonly byte[] _aad = "attachment:42"u8.ToArray();
    private AesGcm _aes = null!;
    private byte[] _plaintext = null!;
    private byte[] _rawCiphertext = null!;
    private byte[] _tags = null!;
    private byte[] _streamCiphertext = null!;
    private EnvelopeEncryptor[] _encryptors = null!;
    private string _file = null!;
    private int _rewraps;

    [GlobalSetup]
    public void Setup()
    {
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        _plaintext = RandomNumberGenerator.GetBytes(Size);
        _rawCiphertext = new byte[Size];
        _tags = new byte[Size / Segment * 16];
        var keys = new Dictionary<int, byte[]> { [1] = RandomNumberGenerator.GetBytes(32), [2] = RandomNumberGenerator.GetBytes(32) };
        _encryptors = [new EnvelopeEncryptor(KeyRing.FromKeys(keys, 1)), new EnvelopeEncryptor(KeyRing.FromKeys(keys, 2))];
        using var ciphertext = new MemoryStream();
        _encryptors[0].EncryptAsync(new MemoryStream(_plaintext), ciphertext, _aad).GetAwaiter().GetResult();
        _streamCiphertext = ciphertext.ToArray();

        // A 1 GiB VE1 stream file: a real header, the rest sparse (a rewrap reads and writes the header only).
        _file = Path.Combine(Path.GetTempPath(), $"ve-stream-bench-{Environment.ProcessId}.bin");
        using var file = new FileStream(_file, FileMode.Create, FileAccess.ReadWrite);
        file.Write(_streamCiphertext.AsSpan(0, 78));
        file.SetLength(1L << 30);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aes.Dispose();
        File.Delete(_file);
    }

    [Benchmark(Baseline = true)]
    public int RawAesGcmEncrypt()
    {
        Span<byte> nonce = stackalloc byte[12];
        for (int i = 0, n = 0; i < Size; i += Segment, n++)
        {
            BinaryPrimitives.WriteInt32BigEndian(nonce[7..], n);
            _aes.Encrypt(nonce, _plaintext.AsSpan(i, Segment), _rawCiphertext.AsSpan(i, Segment), _tags.AsSpan(n * 16, 16));
        }

        return _rawCiphertext[^1];
    }

    [Benchmark]
    public long StreamEncrypt() => _encryptors[1].EncryptAsync(new MemoryStream(_plaintext, writable: false), Stream.Null, _aad).GetAwaiter().GetResult();

    [Benchmark]
    public long StreamDecrypt() =>
        _encryptors[1].DecryptAsync(new MemoryStream(_streamCiphertext, writable: false), Stream.Null, _aad).GetAwaiter().GetResult().PlaintextLength;

    [Benchmark]
    public bool RewrapOneGiBFileInPlace()
    {
        // Alternate the target version, so each call moves the file (one unwrap, one wrap, 67 bytes written, one fsync).
        using var file = new FileStream(_file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        return _encryptors[_rewraps++ & 1].RewrapStreamAsync(file).GetAwaiter().GetResult();
    }
}
