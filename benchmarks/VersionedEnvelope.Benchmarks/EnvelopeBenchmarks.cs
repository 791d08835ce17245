using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.DataProtection;
using VersionedEnvelope;

namespace VersionedEnvelope.Benchmarks;

/// <summary>
/// Encrypting and decrypting one message: raw AES-GCM with a reused key (the floor), a new AesGcm per message, our
/// envelope (fresh data key per message, and with the data-key cache), and ASP.NET Core Data Protection.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private readonly byte[] _aad = "UserProfile:42:apiKey"u8.ToArray();
    private byte[] _key = null!;
    private AesGcm _aes = null!;
    private byte[] _plaintext = null!;
    private byte[] _nonce = null!;
    private byte[] _tag = null!;
    private byte[] _rawCiphertext = null!;
    private byte[] _envelope = null!;
    private byte[] _envelopeCiphertext = null!;
    private byte[] _decrypted = null!;
    private EnvelopeEncryptor _encryptor = null!;
    private EnvelopeEncryptor _cachedEncryptor = null!;
    private IDataProtector _protector = null!;
    private byte[] _protected = null!;

    [Params(64, 1024, 65536, 1048576)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _key = RandomNumberGenerator.GetBytes(32);
        _aes = new AesGcm(_key, 16);
        _plaintext = RandomNumberGenerator.GetBytes(Size);
        _nonce = new byte[12];
        _tag = new byte[16];
        _rawCiphertext = new byte[Size];
        var ring = KeyRing.CreateNew();
        _encryptor = new EnvelopeEncryptor(ring);
        var cached = new EnvelopeEncryptorOptions();
        cached.DataKeyCache.Enabled = true;
        _cachedEncryptor = new EnvelopeEncryptor(new StaticKeyRingProvider(ring), cached);
        _envelope = new byte[_encryptor.GetCiphertextLength(Size)];
        _envelopeCiphertext = _encryptor.Encrypt(_plaintext, _aad);
        _decrypted = new byte[Size];
        _protector = new EphemeralDataProtectionProvider().CreateProtector("VersionedEnvelope.Benchmarks");
        _protected = _protector.Protect(_plaintext);
    }

    [GlobalCleanup]
    public void Cleanup() => _aes.Dispose();

    [Benchmark(Baseline = true)]
    public void RawAesGcmEncrypt()
    {
        RandomNumberGenerator.Fill(_nonce);
        _aes.Encrypt(_nonce, _plaintext, _rawCiphertext, _tag, _aad);
    }

    [Benchmark]
    public void NewAesGcmEncrypt()
    {
        using var aes = new AesGcm(_key, 16);
        RandomNumberGenerator.Fill(_nonce);
        aes.Encrypt(_nonce, _plaintext, _rawCiphertext, _tag, _aad);
    }

    [Benchmark]
    public int EnvelopeEncrypt() => _encryptor.Encrypt(_plaintext, _envelope, _aad);

    [Benchmark]
    public int EnvelopeEncryptWithDataKeyCache() => _cachedEncryptor.Encrypt(_plaintext, _envelope, _aad);

    [Benchmark]
    public int EnvelopeDecrypt() => _encryptor.Decrypt(_envelopeCiphertext, _decrypted, _aad).BytesWritten;

    [Benchmark]
    public byte[] DataProtectionProtect() => _protector.Protect(_plaintext);

    [Benchmark]
    public byte[] DataProtectionUnprotect() => _protector.Unprotect(_protected);
}
