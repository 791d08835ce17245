using Shared.Tests;
using System.Collections.Concurrent;
using System.Text;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Tests;

public sealed class ReencryptionTests
{
    private sealed record Row(int Id, string Secret);

    private static async IAsyncEnumerable<Row> Source(IReadOnlyDictionary<int, string> table)
    {
        foreach (var (id, secret) in table.OrderBy(p => p.Key))
        {
            await Task.Yield();
            yield return new Row(id, secret);
        }
    }

    private static ReencryptionOptions<Row> Options(ConcurrentDictionary<int, string> table, ConcurrentDictionary<int, int> saves, Action<ReencryptionBatch<Row>>? afterSave = null, string? resumeAfter = null, int parallelism = 2, IProgress<ReencryptionProgress>? progress = null) => new()
    {
        GetId = r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        GetCiphertext = r => r.Secret,
        GetAssociatedData = r => $"Row:{r.Id}",
        SaveBatchAsync = (batch, _) =>
        {
            foreach (var change in batch.Changed)
            {
                table[change.Record.Id] = change.Ciphertext;
                saves.AddOrUpdate(change.Record.Id, 1, (_, n) => n + 1);
            }

            afterSave?.Invoke(batch);
            return ValueTask.CompletedTask;
        },
        BatchSize = 250,
        MaxDegreeOfParallelism = parallelism,
        ResumeAfter = resumeAfter,
        Progress = progress,
    };

    [Fact]
    public async Task RunAsync_TenThousandRecordsCancelledAndResumed_AllCurrentDecryptableAndSavedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        using var manager = new KeyRingManager(new InMemoryKeyRingStore(KeyRing.CreateNew()), new KeyRingOptions { RefreshInterval = TimeSpan.Zero });
        var encryptor = new EnvelopeEncryptor(manager);
        var table = new ConcurrentDictionary<int, string>();
        for (int id = 1; id <= 10_000; id++)
        {
            table[id] = encryptor.EncryptString($"secret-{id}", $"Row:{id}");
        }

        table[77] = Tamper(table[77], 7 + 40);                   // wrapped data key changed
        table[78] = "ve1:v99:" + table[78][7..];                 // text and header versions disagree
        await manager.RotateAsync("ops", ct);
        string original5000 = table[5000];

        var saves = new ConcurrentDictionary<int, int>();
        string? checkpoint = null;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reencryptor = new BatchReencryptor(encryptor);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reencryptor.RunAsync(
            Source(table),
            Options(table, saves, batch =>
            {
                checkpoint = batch.Checkpoint;
                if (batch.Checkpoint == "4000")
                {
                    cancel.Cancel();
                }
            }),
            cancel.Token));

        Assert.Equal("4000", checkpoint);
        Assert.Equal(original5000, table[5000]);
        var progress = new List<ReencryptionProgress>();
        var summary = await reencryptor.RunAsync(Source(table), Options(table, saves, resumeAfter: checkpoint, progress: new SyncProgress<ReencryptionProgress>(progress.Add)), ct);

        Assert.Equal(6000, summary.Scanned);
        Assert.Equal(2, summary.ActiveVersion);
        Assert.All(saves.Values, count => Assert.Equal(1, count));
        Assert.Equal(9998, saves.Count);
        Assert.Equal(["77", "78"], (await reencryptor.RunAsync(Source(table), Options(table, saves), ct)).Failures.Select(f => f.Id).Order());
        Assert.Equal(9998, saves.Count);
        Assert.All(saves.Values, count => Assert.Equal(1, count));
        Assert.Equal(24, progress.Count);
        Assert.Equal("10000", progress[^1].Checkpoint);
        for (int id = 1; id <= 10_000; id += 97)
        {
            if (id is 77 or 78)
            {
                continue;
            }

            Assert.Equal(2, EnvelopeFormat.GetKeyVersion(table[id]));
            Assert.Equal($"secret-{id}", encryptor.DecryptString(table[id], $"Row:{id}"));
        }
    }

    [Fact]
    public async Task RunAsync_FailuresAreReportedByIdAndDoNotStopTheRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var old = new EnvelopeEncryptor(Vectors.KeyRing(1));
        var table = new ConcurrentDictionary<int, string>
        {
            [1] = old.EncryptString("a", "Row:1"),
            [2] = "garbage",
            [3] = new EnvelopeEncryptor(KeyRing.CreateNew()).EncryptString("unknown key", "Row:3"),
            [4] = old.EncryptString("d", "Row:4"),
        };
        table[3] = "ve1:v9:" + table[3][7..].Replace("AAAAAQ", "AAAACQ", StringComparison.Ordinal);

        var summary = await new BatchReencryptor(new EnvelopeEncryptor(Vectors.KeyRing(3))).RunAsync(Source(table), Options(table, new()), ct);

        Assert.Equal((4L, 2L, 0L), (summary.Scanned, summary.Rewrapped, summary.Skipped));
        Assert.Equal(["2", "3"], summary.Failures.Select(f => f.Id));
        Assert.Equal(EnvelopeErrorReason.Malformed, summary.Failures[0].Reason);
    }

    [Fact]
    public async Task RunAsync_LegacyInput_BecomesVe1()
    {
        var ct = TestContext.Current.CancellationToken;
        var ring = Vectors.KeyRing(3);
        var table = new ConcurrentDictionary<int, string> { [1] = LegacyCiphertexts.EncryptToBase64(ring, 1, "legacy secret"u8.ToArray(), Encoding.UTF8.GetBytes("Row:1")) };
        var encryptor = new EnvelopeEncryptor(new StaticKeyRingProvider(ring), new EnvelopeEncryptorOptions { AllowLegacyCiphertexts = true });

        var summary = await new BatchReencryptor(encryptor).RunAsync(Source(table), Options(table, new()), ct);

        Assert.Equal(1, summary.Rewrapped);
        Assert.Equal(3, EnvelopeFormat.GetKeyVersion(table[1]));
        Assert.Equal("legacy secret", encryptor.DecryptString(table[1], "Row:1"));
    }

    [Fact]
    public async Task RunAsync_UnknownCheckpoint_FailsClearly()
    {
        var table = new ConcurrentDictionary<int, string> { [1] = new EnvelopeEncryptor(KeyRing.CreateNew()).EncryptString("x") };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new BatchReencryptor(new EnvelopeEncryptor(KeyRing.CreateNew())).RunAsync(Source(table), Options(table, new(), resumeAfter: "nope"), TestContext.Current.CancellationToken));

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InvalidOptions_RefusedWithEveryProblemBeforeAnythingIsRead()
    {
        var table = new ConcurrentDictionary<int, string> { [1] = new EnvelopeEncryptor(KeyRing.CreateNew()).EncryptString("x") };
        var options = Options(table, new(), parallelism: 0);
        options.BatchSize = 0;

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            new BatchReencryptor(new EnvelopeEncryptor(KeyRing.CreateNew())).RunAsync(Source(table), options, TestContext.Current.CancellationToken));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("BatchSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxDegreeOfParallelism", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyRingManager_InvalidOptions_RefusedWithEveryProblem()
    {
        var options = new KeyRingOptions { UnknownVersionWaitTimeout = TimeSpan.FromMinutes(11), RefreshInterval = TimeSpan.FromSeconds(-1) };

        var error = Assert.Throws<ArgumentException>(() => new KeyRingManager(new InMemoryKeyRingStore(), options));

        Assert.Contains("UnknownVersionWaitTimeout is 00:11:00; it must be from 00:00:00 to 00:10:00", error.Message, StringComparison.Ordinal);
        Assert.Contains("RefreshInterval is -00:00:01; it must be at least 00:00:00", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inventory_CountsVersionsLegacyAndMalformedFromHeadersOnly()
    {
        var v1 = new EnvelopeEncryptor(Vectors.KeyRing(1));
        var v3 = new EnvelopeEncryptor(Vectors.KeyRing(3));

        var texts = KeyUsageInventory.Scan([v1.EncryptString("a"), v3.EncryptString("b"), v3.EncryptString("c"), "nonsense", null]);
        var binaries = KeyUsageInventory.Scan([v1.Encrypt([1]), new byte[40], new byte[3]]);

        Assert.Equal(new Dictionary<int, long> { [1] = 1, [3] = 2 }, texts.CountsByVersion);
        Assert.Equal((2L, 5L, 0L), (texts.Malformed, texts.Total, texts.CountOf(2)));
        Assert.Equal((1L, 1L, 1L), (binaries.CountOf(1), binaries.Legacy, binaries.Malformed));
        Assert.Equal("v1: 1, v3: 2, legacy: 0, malformed: 2", texts.ToString());
    }

    private static string Tamper(string text, int index) =>
        string.Concat(text.AsSpan(0, index), text[index] == 'A' ? "B" : "A", text.AsSpan(index + 1));

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [Fact]
    public void Inventory_FromCountsAndMerged_AddsEveryColumnsCounts()
    {
        var ring = KeyRing.CreateNew();
        var encryptor = new EnvelopeEncryptor(new StaticKeyRingProvider(ring));
        var scanned = KeyUsageInventory.Scan([encryptor.EncryptString("a"), "nonsense"]);
        var counted = KeyUsageInventory.FromCounts(new Dictionary<int, long> { [1] = 5, [2] = 0 }, legacy: 2, malformed: 1);

        scanned.Add(counted);

        Assert.Equal((6L, 2L, 2L, 10L), (scanned.CountOf(1), scanned.Legacy, scanned.Malformed, scanned.Total));
        Assert.Equal((5L, 2L, 1L), (counted.CountOf(1), counted.Legacy, counted.Malformed));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyUsageInventory.FromCounts(new Dictionary<int, long> { [0] = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyUsageInventory.FromCounts(new Dictionary<int, long> { [1] = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyUsageInventory.FromCounts(new Dictionary<int, long>(), legacy: -1));
    }
}
