using Microsoft.EntityFrameworkCore;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>
/// A re-encryption run shared by several hosts through claimed key ranges (PostgreSQL). Each "host" here is a
/// <c>ReencryptAsync</c> call with a host id of its own; a trigger counts every write of the encrypted column.
/// </summary>
public sealed class ClaimedKeyRangeTests
{
    private const string WriteCounterSql = """
        CREATE TABLE "SecretWrites" ("CredentialId" integer NOT NULL);
        CREATE FUNCTION log_secret_write() RETURNS trigger AS $$
        BEGIN INSERT INTO "SecretWrites" VALUES (NEW."Id"); RETURN NEW; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER log_secret_write AFTER UPDATE OF "Secret" ON "Credentials" FOR EACH ROW EXECUTE FUNCTION log_secret_write();
        """;

    private static async Task<(Rings Rings, TestDatabase Db)> SeedAsync(int rows)
    {
        var rings = await Rings.CreateAsync();
        var db = await TestDatabase.CreateWithSchemaAsync("postgres", rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor);
        context.Credentials.AddRange(Enumerable.Range(0, rows).Select(i => new Credential { Secret = $"secret-{i}" }));
        await context.SaveChangesAsync();
        await Sql.ExecuteAsync(context, WriteCounterSql);
        await rings.RotateAsync();
        return (rings, db);
    }

    private static EntityReencryptionOptions Host(string host, string runId, int ranges = 8, double leaseSeconds = 30) => new()
    {
        BatchSize = 100,
        MaxDegreeOfParallelism = 2,
        ClaimedKeyRanges = new ClaimedKeyRangeOptions { RunId = runId, HostId = host, RangeCount = ranges, LeaseDuration = TimeSpan.FromSeconds(leaseSeconds) },
    };

    private static async Task AssertEveryRowWrittenOnceAsync(TestDatabase db, Rings rings, int rows)
    {
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        Assert.Empty(await Sql.RowsAsync(context, """SELECT "CredentialId", COUNT(*) FROM "SecretWrites" GROUP BY "CredentialId" HAVING COUNT(*) <> 1"""));
        Assert.Equal((long)rows, Convert.ToInt64(await Sql.ScalarAsync(context, """SELECT COUNT(DISTINCT "CredentialId") FROM "SecretWrites" """)));
        Assert.Equal(new Dictionary<int, long> { [2] = rows }, await context.CountByKeyVersionAsync<Credential>(c => c.Secret));
        var secrets = await context.Credentials.Select(c => c.Secret).ToListAsync();
        Assert.Equal(Enumerable.Range(0, rows).Select(i => $"secret-{i}").Order(StringComparer.Ordinal), secrets.Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ThreeHosts_ShareTheRun_EveryRowWrittenOnce_AndTheRunIsDone()
    {
        var (rings, db) = await SeedAsync(5_000);
        await using var dispose = db;
        var factory = new Factory(db, rings);

        var summaries = await Task.WhenAll(new[] { "a", "b", "c" }.Select(host =>
            Task.Run(() => factory.ReencryptAsync<TestDbContext, Credential>(Host(host, "run-1"), TestContext.Current.CancellationToken))));

        Assert.Equal(5_000L, summaries.Sum(s => s.Rewrapped));
        Assert.All(summaries, s => Assert.Equal((0L, 2), (s.Failed, s.ActiveVersion)));
        await AssertEveryRowWrittenOnceAsync(db, rings, 5_000);
        await using var context = factory.CreateDbContext();
        var status = await context.GetClaimedKeyRangesAsync("run-1", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((8, 8, 5_000L, true), (status.Total, status.Done, status.Rewrapped, status.Finished));
        Assert.Empty(status.Workers);

        // A finished run finds nothing left: joining it again returns at once.
        var again = await factory.ReencryptAsync<TestDbContext, Credential>(Host("d", "run-1"), TestContext.Current.CancellationToken);
        Assert.Equal((0L, 0L), (again.Scanned, again.Rewrapped));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task AHostThatDiesMidRange_LeavesItToAnotherAfterItsLease_NoRowWrittenTwice()
    {
        var (rings, db) = await SeedAsync(2_000);
        await using var dispose = db;
        var factory = new Factory(db, rings);

        // Host "dying" fails in its third batch (as a crash would, nothing after it runs: the batch rolls back) and never
        // renews its claim again.
        int batches = 0;
        var dying = Host("dying", "run-2", ranges: 2, leaseSeconds: 1);
        dying.MaxDegreeOfParallelism = 1;
        dying.BeforeBatchTransaction = (_, _) => Interlocked.Increment(ref batches) == 3 ? throw new IOException("host died") : Task.CompletedTask;
        await Assert.ThrowsAsync<IOException>(() => factory.ReencryptAsync<TestDbContext, Credential>(dying, TestContext.Current.CancellationToken));

        await using (var context = factory.CreateDbContext())
        {
            var held = await context.GetClaimedKeyRangesAsync("run-2", cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal((2, 0, 200L), (held.Total, held.Done, held.Rewrapped));
            Assert.Equal("dying", Assert.Single(held.Workers).HostId);
        }

        var survivor = await factory.ReencryptAsync<TestDbContext, Credential>(Host("survivor", "run-2", ranges: 2, leaseSeconds: 1), TestContext.Current.CancellationToken);

        Assert.Equal(1_800L, survivor.Rewrapped);
        await AssertEveryRowWrittenOnceAsync(db, rings, 2_000);
        await using (var context = factory.CreateDbContext())
        {
            Assert.True((await context.GetClaimedKeyRangesAsync("run-2", cancellationToken: TestContext.Current.CancellationToken)).Finished);
            Assert.Equal(2L, Convert.ToInt64(await Sql.ScalarAsync(context, "SELECT claims FROM ve_reencryption_ranges WHERE run_id = 'run-2' AND range_no = 0")));
        }
    }

    [Fact]
    public async Task AHostWhoseClaimWasTaken_CannotCommitIntoTheRange()
    {
        var (rings, db) = await SeedAsync(1_000);
        await using var dispose = db;
        var factory = new Factory(db, rings);
        int batches = 0;
        var options = Host("slow", "run-3", ranges: 1, leaseSeconds: 1);
        options.MaxDegreeOfParallelism = 1;
        options.BeforeBatchTransaction = async (_, ct) =>
        {
            if (Interlocked.Increment(ref batches) == 2)
            {
                // As if another host claimed the range meanwhile (its lease ran out): the batch's fenced commit fails and
                // rolls back, and this host claims the range again once that claim's lease runs out.
                await using var other = factory.CreateDbContext();
                await Sql.ExecuteAsync(other, "UPDATE ve_reencryption_ranges SET claim_token = gen_random_uuid(), heartbeat = now() - interval '1 hour'");
            }
        };

        var summary = await factory.ReencryptAsync<TestDbContext, Credential>(options, TestContext.Current.CancellationToken);

        Assert.Equal(1_000L, summary.Rewrapped);
        await AssertEveryRowWrittenOnceAsync(db, rings, 1_000);
        await using var context = factory.CreateDbContext();
        Assert.Equal(2L, Convert.ToInt64(await Sql.ScalarAsync(context, "SELECT claims FROM ve_reencryption_ranges WHERE run_id = 'run-3'")));
    }

    [Fact]
    public async Task AHostStoppedOnPurpose_GivesItsRangeBackAtOnce()
    {
        var (rings, db) = await SeedAsync(1_000);
        await using var dispose = db;
        var factory = new Factory(db, rings);
        using var stop = new CancellationTokenSource();
        int batches = 0;
        var stopping = Host("stopping", "run-5", ranges: 1);
        stopping.MaxDegreeOfParallelism = 1;
        stopping.BeforeBatchTransaction = async (_, _) =>
        {
            if (Interlocked.Increment(ref batches) == 3)
            {
                await stop.CancelAsync();
            }
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => factory.ReencryptAsync<TestDbContext, Credential>(stopping, stop.Token));

        await using (var context = factory.CreateDbContext())
        {
            var status = await context.GetClaimedKeyRangesAsync("run-5", cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal((1, 0, 200L), (status.Total, status.Done, status.Rewrapped));
            Assert.Empty(status.Workers);
        }

        // With a 30-second lease, only a range given back can be resumed at once.
        var resumed = await factory.ReencryptAsync<TestDbContext, Credential>(Host("next", "run-5", ranges: 1), TestContext.Current.CancellationToken);
        Assert.Equal(800L, resumed.Rewrapped);
        await AssertEveryRowWrittenOnceAsync(db, rings, 1_000);
    }

    [Fact]
    public async Task ARunIdOfAnotherTable_IsRefused()
    {
        var (rings, db) = await SeedAsync(10);
        await using var dispose = db;
        var factory = new Factory(db, rings);
        await factory.ReencryptAsync<TestDbContext, Credential>(Host("a", "run-4"), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => factory.ReencryptAsync<TestDbContext, UserProfile>(Host("a", "run-4"), TestContext.Current.CancellationToken));
        Assert.Contains("\"Credentials\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoRun_ReadsAsZeroRanges()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync("postgres", rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor);
        var status = await context.GetClaimedKeyRangesAsync("never", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((0, 0, false), (status.Total, status.Done, status.Finished));
    }

    [Fact]
    public async Task OptionsThatCannotWork_AreRefusedBeforeAnythingIsRead()
    {
        var rings = await Rings.CreateAsync();
        await using var sqlite = await TestDatabase.CreateWithSchemaAsync("sqlite", rings.Encryptor);
        await Assert.ThrowsAsync<NotSupportedException>(
            () => new Factory(sqlite, rings).ReencryptAsync<TestDbContext, Credential>(Host("a", "run"), TestContext.Current.CancellationToken));

        await using var context = sqlite.CreateContext(rings.Encryptor, rings.Provider);
        await Assert.ThrowsAsync<ArgumentException>(() => context.ReencryptAsync<Credential>(Host("a", "run"), TestContext.Current.CancellationToken));
        var invalid = Host(" ", "run", ranges: 0, leaseSeconds: 0.5);
        invalid.BatchSize = 0;
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => new Factory(sqlite, rings).ReencryptAsync<TestDbContext, Credential>(invalid, TestContext.Current.CancellationToken));
        foreach (string problem in new[] { "BatchSize", "HostId", "RangeCount", "LeaseDuration is 00:00:00.5000000; it must be at least 00:00:01" })
        {
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        }

        var resumed = Host("a", "run");
        resumed.ResumeAfter = "10";
        var postgres = await TestDatabase.CreateWithSchemaAsync("postgres", rings.Encryptor);
        await using (postgres)
        {
            await Assert.ThrowsAsync<ArgumentException>(
                () => new Factory(postgres, rings).ReencryptAsync<TestDbContext, Credential>(resumed, TestContext.Current.CancellationToken));
        }
    }

    private sealed class Factory(TestDatabase db, Rings rings) : IDbContextFactory<TestDbContext>
    {
        public TestDbContext CreateDbContext() => db.CreateContext(rings.Encryptor, rings.Provider);
    }
}
