using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VersionedEnvelope.Pkcs11;

namespace VersionedEnvelope.Benchmarks;

/// <summary>
/// What protecting a key ring costs: sealing it (every save), opening it (every load and refresh), and one wrap or
/// unwrap of a ring key, under a root key and under a SoftHSM2 token (when VERSIONEDENVELOPE_PKCS11_LIBRARY, _TOKEN and
/// _PIN name one, as .ci/run sets them). Never on the encrypt or decrypt path: the ring is opened once per load.
/// </summary>
[MemoryDiagnoser]
public class KeyRingProtectionBenchmarks
{
    private IKeyRingProtector _protector = null!;
    private KeyRingProtection _protection = null!;
    private KeyRing _ring = null!;
    private byte[] _document = null!;
    private byte[] _ringKey = null!;
    private byte[] _wrapped = null!;

    [ParamsSource(nameof(Protections))]
    public string Protection { get; set; } = "root key";

    public static IEnumerable<string> Protections() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_PKCS11_LIBRARY")) ? ["root key"] : ["root key", "SoftHSM2"];

    [GlobalSetup]
    public void Setup()
    {
        _protector = Protection == "root key"
            ? new RootKeyProtector(RandomNumberGenerator.GetBytes(32))
            : new Pkcs11KeyRingProtector(new Pkcs11ProtectorOptions
            {
                LibraryPath = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_PKCS11_LIBRARY"),
                TokenLabel = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_PKCS11_TOKEN"),
                UserPin = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_PKCS11_PIN"),
                KeyLabel = "benchmark-wrap",
                CreateKeyIfMissing = true,
            });
        _protection = new KeyRingProtection([_protector]);

        // A ring as it is after a year of monthly rotations: 13 versions and their audit trail.
        var ring = KeyRing.CreateNew();
        for (int version = 2; version <= 13; version++)
        {
            var at = DateTimeOffset.UtcNow;
            ring = new KeyRing(
                ring.Keys.Select(k => k.State == KeyState.Active ? k.WithState(KeyState.DecryptOnly) : k).Append(EnvelopeKey.Generate(version, KeyState.Active, at)),
                ring.History.Append(new KeyRingEvent(KeyRingEventKind.Rotated, version, at, "ops")));
        }

        _ring = ring;
        _document = _protection.SealAsync(_ring, 1, "default").AsTask().GetAwaiter().GetResult();
        _ringKey = RandomNumberGenerator.GetBytes(32);
        _wrapped = _protector.WrapKeyAsync(_ringKey).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => (_protector as IDisposable)?.Dispose();

    /// <summary>Every save: a fresh ring key, the ring sealed, the key wrapped.</summary>
    [Benchmark]
    public async Task<int> Seal() => (await _protection.SealAsync(_ring, 1, "default")).Length;

    /// <summary>Every load and refresh: the ring key unwrapped, the ring opened.</summary>
    [Benchmark]
    public async Task<int> Open() => (await _protection.OpenAsync(_document, "default", "benchmark")).Ring.Keys.Count;

    [Benchmark]
    public async Task<int> WrapKey() => (await _protector.WrapKeyAsync(_ringKey)).Length;

    [Benchmark]
    public async Task<int> UnwrapKey() => (await _protector.UnwrapKeyAsync(_protector.KeyId, _wrapped)).Length;
}
