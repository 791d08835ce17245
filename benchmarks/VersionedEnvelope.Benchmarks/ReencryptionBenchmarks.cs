using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using VersionedEnvelope;

namespace VersionedEnvelope.Benchmarks;

/// <summary>
/// Batch re-encryption of 100,000 stored 1 KiB secrets (text form) from version 1 to version 2, with parallelism 1 and 2.
/// Records per second = 100,000 / mean.
/// </summary>
[MemoryDiagnoser]
public class ReencryptionBenchmarks
{
    public const int Records = 100_000;
    private (int Id, string Ciphertext)[] _rows = null!;
    private BatchReencryptor _reencryptor = null!;

    [Params(1, 2)]
    public int Parallelism { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var keys = new Dictionary<int, byte[]> { [1] = RandomNumberGenerator.GetBytes(32), [2] = RandomNumberGenerator.GetBytes(32) };
        var old = new EnvelopeEncryptor(KeyRing.FromKeys(keys, 1));
        var secret = RandomNumberGenerator.GetBytes(1024);
        _rows = [.. Enumerable.Range(0, Records).Select(id => (id, old.EncryptToText(secret, default)))];
        _reencryptor = new BatchReencryptor(new EnvelopeEncryptor(KeyRing.FromKeys(keys, 2)));
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<long> ReencryptAll()
    {
        long saved = 0;
        var summary = await _reencryptor.RunAsync(
            Source(),
            new ReencryptionOptions<(int Id, string Ciphertext)>
            {
                GetId = r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                GetCiphertext = r => r.Ciphertext,
                SaveBatchAsync = (batch, _) =>
                {
                    saved += batch.Changed.Count;
                    return ValueTask.CompletedTask;
                },
                BatchSize = 1000,
                MaxDegreeOfParallelism = Parallelism,
            });
        return summary.Rewrapped + saved;
    }

    private async IAsyncEnumerable<(int Id, string Ciphertext)> Source()
    {
        foreach (var row in _rows)
        {
            yield return row;
        }

        await Task.CompletedTask;
    }
}
