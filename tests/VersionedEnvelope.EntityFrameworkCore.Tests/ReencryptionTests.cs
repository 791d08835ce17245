#pragma warning disable EF1001 // the tests reach the package's own Internal types (SqlDialect) on purpose
using Shared.Tests;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.EntityFrameworkCore;
using VersionedEnvelope.EntityFrameworkCore.Internal;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>Re-encryption over a context, the same on every provider.</summary>
public abstract class ReencryptionTests(string provider, int largeRowCount)
{
    /// <summary>Set-based updates from a list of values (<c>UPDATE … FROM (VALUES …)</c>, text rewritten in place), as for keys no array can carry.</summary>
    private const string UpdatesFromValues = "updates from values";

    /// <summary>One conditional update per row, as on databases without set-based updates.</summary>
    private const string RowByRow = "one update per row";

    // SQLite's dialect writes the VALUES form, which runs on PostgreSQL too: the way to test that form there.
    private static SqlDialect? DialectFor(string form) => form switch
    {
        UpdatesFromValues => SqlDialect.Sqlite,
        RowByRow => SqlDialect.Generic,
        _ => null,
    };

    private static async Task SeedAsync(TestDatabase db, Rings rings, int count, int from = 0)
    {
        await using var context = db.CreateContext(rings.Encryptor);
        context.ChangeTracker.AutoDetectChangesEnabled = false;
        for (int start = 0; start < count; start += 5_000)
        {
            context.Profiles.AddRange(Enumerable.Range(from + start, Math.Min(5_000, count - start))
                .Select(i => new UserProfile { Email = $"user{i}", ApiKey = $"key-{i}", Token = BitConverter.GetBytes(i), Notes = i % 3 == 0 ? null : $"note-{i}" }));
            await context.SaveChangesAsync();
            context.ChangeTracker.Clear();
        }
    }

    [Fact]
    public async Task Reencrypt_MovesEveryValueToTheActiveVersion_AndASecondPassFindsNothing()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 1_234);
        await rings.RotateAsync();
        var progress = new List<ReencryptionProgress>();

        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        var summary = await context.ReencryptAsync<UserProfile>(new EntityReencryptionOptions { BatchSize = 500, Progress = new SynchronousProgress<ReencryptionProgress>(progress.Add) });

        Assert.Equal((1_234L, 1_234L, 0L, 0L, 2), (summary.Scanned, summary.Rewrapped, summary.Skipped, summary.Failed, summary.ActiveVersion));
        Assert.Equal([500L, 1_000L, 1_234L], progress.Select(p => p.Scanned));
        var usage = await context.GetKeyUsageAsync<UserProfile>(p => p.ApiKey);
        Assert.Equal((0L, 1_234L), (usage.CountOf(1), usage.CountOf(2)));
        Assert.Equal(1_234L, (await context.GetKeyUsageAsync<UserProfile>(p => p.Token)).CountOf(2));
        Assert.Equal(0L, (await context.GetKeyUsageAsync<UserProfile>(p => p.Notes)).CountOf(1));
        Assert.Equal(new Dictionary<int, long> { [2] = 1_234 }, await context.CountByKeyVersionAsync<UserProfile>(p => p.ApiKey));
        var sample = await context.Profiles.SingleAsync(p => p.Email == "user1000");
        Assert.Equal(("key-1000", "note-1000", 1000), (sample.ApiKey, sample.Notes, BitConverter.ToInt32(sample.Token)));

        // The binary Token has no key version column, so SQL cannot tell which rows are stale: every row is read, none written.
        var again = await context.ReencryptAsync<UserProfile>();
        Assert.Equal((1_234L, 0L, 1_234L), (again.Scanned, again.Rewrapped, again.Skipped));
    }

    [Fact]
    public async Task Reencrypt_RewrapsInPlace_ThePayloadIsUnchanged()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 1);
        await using var context = db.CreateContext(rings.Encryptor);
        byte[] before = EnvelopeFormat.FromText((string)(await Sql.ScalarAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\""))!);
        await rings.RotateAsync();

        await context.ReencryptAsync<UserProfile>();

        byte[] after = EnvelopeFormat.FromText((string)(await Sql.ScalarAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\""))!);
        int payload = EnvelopeFormat.GetPlaintextLength(before.Length);
        Assert.Equal(before[^(payload + 16)..], after[^(payload + 16)..]);
        Assert.NotEqual(before[..^(payload + 16)], after[..^(payload + 16)]);
    }

    [Theory]
    [InlineData("the database's own")]
    [InlineData(UpdatesFromValues)]
    [InlineData(RowByRow)]
    public async Task Reencrypt_DoesNotOverwriteAValueTheApplicationChangedMeanwhile(string form)
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 10);
        await rings.RotateAsync();
        await using var context = db.CreateContext(rings.Encryptor);
        var options = new EntityReencryptionOptions
        {
            Dialect = DialectFor(form),
            BeforeWriteBatch = ChangeUser4Once(db, rings),
        };

        var summary = await context.ReencryptAsync<UserProfile>(options);

        Assert.Equal((10L, 9L, 1L), (summary.Scanned, summary.Rewrapped, summary.Skipped));
        context.ChangeTracker.Clear();
        Assert.Equal("changed-by-the-app", (await context.Profiles.SingleAsync(p => p.Email == "user4")).ApiKey);
        Assert.Equal(10L, (await context.GetKeyUsageAsync<UserProfile>(p => p.ApiKey)).CountOf(2));
    }

    [Fact]
    public async Task Reencrypt_ABatchOfSeveralUpdateChunks_SkipsRowsChangedInAnyChunk_AndNamesExactlyTheRowsItWrote()
    {
        // One batch of 2,600 rows goes out as three updates (1,000 rows each at most); rows of the second and third
        // chunk change between the read and the write.
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 2_600);
        await rings.RotateAsync();
        await using var context = db.CreateContext(rings.Encryptor);
        string[] changedEmails = ["user1500", "user2599"];
        var stamped = new ConcurrentBag<object>();
        var options = new EntityReencryptionOptions
        {
            BatchSize = 5_000,
            BeforeWriteBatch = async _ =>
            {
                await using var app = db.CreateContext(rings.Encryptor);
                foreach (var profile in await app.Profiles.Where(p => changedEmails.Contains(p.Email)).ToListAsync())
                {
                    profile.ApiKey = "changed-by-the-app";
                }

                await app.SaveChangesAsync();
            },
            OnBatchAsync = (_, keys, _) =>
            {
                foreach (var key in keys)
                {
                    stamped.Add(key);
                }

                return Task.CompletedTask;
            },
        };

        var summary = await context.ReencryptAsync<UserProfile>(options);

        Assert.Equal((2_600L, 2_598L, 2L), (summary.Scanned, summary.Rewrapped, summary.Skipped));
        context.ChangeTracker.Clear();
        var changedIds = await context.Profiles.Where(p => changedEmails.Contains(p.Email)).Select(p => p.Id).ToListAsync();
        Assert.All(changedIds, id => Assert.DoesNotContain((object)id, stamped));
        Assert.Equal(2_598, stamped.Distinct().Count());
        Assert.Equal(["changed-by-the-app", "changed-by-the-app"], await context.Profiles.Where(p => changedEmails.Contains(p.Email)).Select(p => p.ApiKey).ToListAsync());
    }

    [Fact]
    public async Task TheDatabase_GetsItsOwnDialect()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor);
        Assert.Same(provider == "postgres" ? SqlDialect.PostgreSql : SqlDialect.Sqlite, SqlDialect.For(context));
    }

    [Theory]
    [InlineData(UpdatesFromValues)]
    [InlineData(RowByRow)]
    public async Task Reencrypt_ThroughEachUpdateForm_MovesEveryRowAndNamesThem(string form)
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 1_234);
        await rings.RotateAsync();
        var stamped = new ConcurrentBag<object>();
        var options = new EntityReencryptionOptions
        {
            BatchSize = 500,
            MaxDegreeOfParallelism = 2,
            Dialect = DialectFor(form),
            OnBatchAsync = (_, keys, _) =>
            {
                foreach (var key in keys)
                {
                    stamped.Add(key);
                }

                return Task.CompletedTask;
            },
        };

        var summary = await new TestContextFactory(db, rings).ReencryptAsync<TestDbContext, UserProfile>(options, TestContext.Current.CancellationToken);

        Assert.Equal((1_234L, 1_234L, 0L), (summary.Scanned, summary.Rewrapped, summary.Skipped));
        Assert.Equal(1_234, stamped.Distinct().Count());
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        Assert.Equal(new Dictionary<int, long> { [2] = 1_234 }, await context.CountByKeyVersionAsync<UserProfile>(p => p.ApiKey));
        var sample = await context.Profiles.SingleAsync(p => p.Email == "user1000", TestContext.Current.CancellationToken);
        Assert.Equal(("key-1000", "note-1000", 1000), (sample.ApiKey, sample.Notes, BitConverter.ToInt32(sample.Token)));
    }

    [Fact]
    public async Task Reencrypt_VerifyingHeaders_TurnsLegacyValuesWithTheDefaultKeyVersionIntoVe1()
    {
        var rings = await Rings.CreateAsync(allowLegacy: true);
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        context.Credentials.Add(new Credential { Secret = "already-ve1" });
        await context.SaveChangesAsync();
        for (int i = 0; i < 5; i++)
        {
            // As a migration leaves them: headerless values, the column's default key version (the active one here).
            string legacy = LegacyCiphertexts.EncryptToBase64(rings.Current, 1, Encoding.UTF8.GetBytes($"old-{i}"), Encoding.UTF8.GetBytes("Credential.Secret"));
            await Sql.ExecuteAsync(context, "INSERT INTO \"Credentials\" (\"Secret\", \"KeyVersion\") VALUES (@p0, 1)", legacy);
        }

        var byColumn = await context.ReencryptAsync<Credential>();
        var summary = await context.ReencryptAsync<Credential>(new EntityReencryptionOptions { VerifyHeaders = true });

        Assert.Equal(0L, byColumn.Scanned);
        Assert.Equal((5L, 5L), (summary.Scanned, summary.Rewrapped));
        var usage = await context.GetKeyUsageAsync<Credential>(c => c.Secret);
        Assert.Equal((6L, 0L), (usage.CountOf(1), usage.Legacy));
        Assert.Equal(["already-ve1", "old-0", "old-1", "old-2", "old-3", "old-4"], await context.Credentials.OrderBy(c => c.Id).Select(c => c.Secret).ToListAsync());
        Assert.Equal(0L, (await context.ReencryptAsync<Credential>(new EntityReencryptionOptions { VerifyHeaders = true })).Scanned);
    }

    [Fact]
    public async Task Reencrypt_ReportsAValueThatCannotBeRead_AndGoesOn()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 3);
        await using var context = db.CreateContext(rings.Encryptor);
        await Sql.ExecuteAsync(context, "UPDATE \"Profiles\" SET \"ApiKey\" = 'not a ciphertext' WHERE \"Email\" = 'user1'");
        await rings.RotateAsync();

        var summary = await context.ReencryptAsync<UserProfile>();

        Assert.Equal((3L, 2L, 1L), (summary.Scanned, summary.Rewrapped, summary.Failed));
        Assert.Equal(EnvelopeErrorReason.Malformed, summary.Failures[0].Reason);
        Assert.DoesNotContain("key-", summary.Failures[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reencrypt_LargeValues_OnlyTheirHeadIsRewritten_TheRestStaysAsStored()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        var random = new Random(7);
        var notes = Enumerable.Range(0, 4).Select(i => i == 2 ? null : new string((char)('a' + i), 100_000 + random.Next(50_000)) + $"-{i}").ToArray();
        await using (var seed = db.CreateContext(rings.Encryptor))
        {
            seed.Profiles.AddRange(notes.Select((note, i) => new UserProfile { Email = $"user{i}", ApiKey = $"key-{i}", Token = [1], Notes = note }));
            await seed.SaveChangesAsync();
        }

        await using var context = db.CreateContext(rings.Encryptor, rings.Provider);
        const string StoredNotes = "SELECT \"Notes\" FROM \"Profiles\" ORDER BY \"Id\"";
        var before = await Sql.ColumnAsync<string?>(context, StoredNotes);
        await rings.RotateAsync();

        var summary = await context.ReencryptAsync<UserProfile>();

        Assert.Equal((4L, 4L, 0L), (summary.Scanned, summary.Rewrapped, summary.Failed));
        var after = await Sql.ColumnAsync<string?>(context, StoredNotes);
        for (int i = 0; i < notes.Length; i++)
        {
            if (notes[i] is null)
            {
                Assert.Null(after[i]);
                continue;
            }

            // "ve1:v1:" becomes "ve1:v2:" and the next 92 characters (bytes 0..68) change; every character after them is as stored.
            Assert.StartsWith("ve1:v2:", after[i], StringComparison.Ordinal);
            Assert.Equal(before[i]![(7 + 92)..], after[i]![(7 + 92)..]);
            Assert.NotEqual(before[i]![..(7 + 92)], after[i]![..(7 + 92)]);
        }

        context.ChangeTracker.Clear();
        Assert.Equal(notes, await context.Profiles.OrderBy(p => p.Id).Select(p => p.Notes).ToListAsync());
    }

    [Fact]
    public async Task Reencrypt_ReportsVe1TextsDamagedInTheirHeadOrLength_ByKey_AndGoesOn()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 5);
        await using var context = db.CreateContext(rings.Encryptor);
        string valid = (string)(await Sql.ScalarAsync(context, "SELECT \"ApiKey\" FROM \"Profiles\" WHERE \"Email\" = 'user0'"))!;
        var damaged = new Dictionary<string, string>
        {
            ["user1"] = valid[..120], // too short for a ciphertext, though its head reads
            ["user2"] = valid + new string('A', 4 - ((valid.Length - 7 + 3) % 4)), // a payload of 4n + 1 characters: a length base64 cannot have
            ["user3"] = "ve1:v2:" + valid[7..], // the prefix names another version than the header
            ["user4"] = valid[..40] + (valid[40] == 'A' ? 'B' : 'A') + valid[41..], // the wrapped data key no longer authenticates
        };
        foreach (var (email, text) in damaged)
        {
            await Sql.ExecuteAsync(context, $"UPDATE \"Profiles\" SET \"ApiKey\" = '{text}' WHERE \"Email\" = '{email}'");
        }

        await rings.RotateAsync();

        var summary = await context.ReencryptAsync<UserProfile>();

        Assert.Equal((5L, 1L, 4L), (summary.Scanned, summary.Rewrapped, summary.Failed));
        var ids = await Sql.ColumnAsync<object>(context, "SELECT \"Id\" FROM \"Profiles\" WHERE \"Email\" <> 'user0' ORDER BY \"Id\"");
        Assert.Equal(ids.Select(id => Convert.ToString(id, System.Globalization.CultureInfo.InvariantCulture)), summary.Failures.Select(f => f.Id));
        Assert.Equal(
            [EnvelopeErrorReason.Malformed, EnvelopeErrorReason.Malformed, EnvelopeErrorReason.Malformed, EnvelopeErrorReason.AuthenticationFailed],
            summary.Failures.Select(f => f.Reason));
        Assert.Equal(damaged.Values, await Sql.ColumnAsync<string?>(context, "SELECT \"ApiKey\" FROM \"Profiles\" WHERE \"Email\" <> 'user0' ORDER BY \"Id\""));
    }

    [Fact]
    public async Task Reencrypt_CancelledMidRun_ResumesFromItsCheckpoint_EveryRowWrittenOnce()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 2_000);
        await using (var context = db.CreateContext(rings.Encryptor))
        {
            await Sql.ExecuteAsync(context, db.ApiKeyWriteTriggerSql);
        }

        await rings.RotateAsync();
        using var cancel = new CancellationTokenSource();
        Func<DbContext, string, CancellationToken, Task> saveCheckpoint = async (context, checkpoint, ct) =>
        {
            var row = await context.Set<ReencryptionCheckpoint>().FindAsync([nameof(UserProfile)], ct);
            if (row is null)
            {
                context.Add(new ReencryptionCheckpoint { Name = nameof(UserProfile), Value = checkpoint });
            }
            else
            {
                row.Value = checkpoint;
            }

            await context.SaveChangesAsync(ct);
        };
        int batches = 0;
        var first = new EntityReencryptionOptions
        {
            BatchSize = 300,
            SaveCheckpointAsync = saveCheckpoint,
            BeforeWriteBatch = async ct =>
            {
                if (++batches == 3)
                {
                    // Cancelled mid-batch: the third batch's transaction rolls back.
                    await cancel.CancelAsync();
                }
            },
        };

        await using (var context = db.CreateContext(rings.Encryptor))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => context.ReencryptAsync<UserProfile>(first, cancel.Token));
        }

        string checkpoint;
        await using (var context = db.CreateContext(rings.Encryptor))
        {
            checkpoint = (await context.Checkpoints.SingleAsync()).Value;
            Assert.Equal(600L, Convert.ToInt64(await Sql.ScalarAsync(context, "SELECT COUNT(*) FROM \"ApiKeyWrites\"")));
        }

        await using (var context = db.CreateContext(rings.Encryptor))
        {
            var rest = await context.ReencryptAsync<UserProfile>(new EntityReencryptionOptions { BatchSize = 300, ResumeAfter = checkpoint, SaveCheckpointAsync = saveCheckpoint });
            Assert.Equal(1_400L, rest.Rewrapped);
            var writes = await Sql.RowsAsync(context, "SELECT \"ProfileId\", COUNT(*) FROM \"ApiKeyWrites\" GROUP BY \"ProfileId\" HAVING COUNT(*) <> 1");
            Assert.Empty(writes);
            Assert.Equal(2_000L, Convert.ToInt64(await Sql.ScalarAsync(context, "SELECT COUNT(DISTINCT \"ProfileId\") FROM \"ApiKeyWrites\"")));
            Assert.Equal(2_000L, (await context.GetKeyUsageAsync<UserProfile>(p => p.ApiKey)).CountOf(2));
        }
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Reencrypt_WhileTheApplicationUpdatesRandomRows_LosesNoUpdate_AndLeavesEveryRowCurrent()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, largeRowCount);
        await rings.RotateAsync();
        var written = new ConcurrentDictionary<int, string>();
        using var stop = new CancellationTokenSource();
        var application = Task.Run(async () =>
        {
            var random = new Random(17);
            int updates = 0;
            await using var app = db.CreateContext(rings.Encryptor);
            while (!stop.IsCancellationRequested)
            {
                int id = random.Next(1, largeRowCount + 1);
                string value = $"app-{id}-{updates++}";
                var profile = await app.Profiles.SingleAsync(p => p.Id == id);
                profile.ApiKey = value;
                await app.SaveChangesAsync();
                written[id] = value;
                app.ChangeTracker.Clear();
            }

            return updates;
        });

        var factory = new TestContextFactory(db, rings);
        var summary = await factory.ReencryptAsync<TestDbContext, UserProfile>(new EntityReencryptionOptions { BatchSize = 1_000, MaxDegreeOfParallelism = 4 }, TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        int updates = await application;
        var second = await factory.ReencryptAsync<TestDbContext, UserProfile>(null, TestContext.Current.CancellationToken);

        Assert.True(updates > 0);
        Assert.Equal(largeRowCount, summary.Scanned);
        Assert.Equal(0L, summary.Failed + second.Failed);
        await using var check = db.CreateContext(rings.Encryptor);
        var usage = await check.GetKeyUsageAsync<UserProfile>(p => p.ApiKey);
        Assert.Equal((0L, (long)largeRowCount), (usage.CountOf(1), usage.CountOf(2)));
        var values = await check.Profiles.AsNoTracking().Select(p => new { p.Id, p.ApiKey }).ToDictionaryAsync(p => p.Id, p => p.ApiKey);
        foreach (var (id, value) in written)
        {
            Assert.Equal(value, values[id]);
        }

        foreach (var (id, value) in values.Where(p => !written.ContainsKey(p.Key)))
        {
            Assert.Equal($"key-{id - 1}", value);
        }
    }

    [Fact]
    public async Task Reencrypt_BatchesCommittingOutOfOrder_OnBatchStampsEveryRewrittenRow_AndTheFinalCheckpointIsSaved()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 1_000);
        await rings.RotateAsync();
        int committed = 0;
        var othersDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stamped = new ConcurrentBag<int>();
        var checkpoints = new ConcurrentQueue<string>();
        var options = new EntityReencryptionOptions
        {
            BatchSize = 100,
            MaxDegreeOfParallelism = 3,
            OnBatchAsync = async (context, keys, ct) =>
            {
                foreach (var key in keys)
                {
                    int id = Convert.ToInt32(key, System.Globalization.CultureInfo.InvariantCulture);
                    stamped.Add(id);
                    // Written in the batch's transaction: it commits with the batch's new ciphertexts.
                    string name = $"stamp-{id}";
                    await context.Database.ExecuteSqlAsync($"INSERT INTO \"Checkpoints\" (\"Name\", \"Value\") VALUES ({name}, 'stamped')", ct);
                }
            },
            SaveCheckpointAsync = (_, checkpoint, _) =>
            {
                checkpoints.Enqueue(checkpoint);
                return Task.CompletedTask;
            },
            Progress = new SynchronousProgress<ReencryptionProgress>(_ =>
            {
                if (Interlocked.Increment(ref committed) == 9)
                {
                    othersDone.SetResult();
                }
            }),
            // The first batch commits last of all ten: every other batch finishes ahead of it.
            BeforeBatchTransaction = (sequence, ct) => sequence == 0 ? othersDone.Task.WaitAsync(TimeSpan.FromMinutes(1), ct) : Task.CompletedTask,
        };

        var summary = await new TestContextFactory(db, rings).ReencryptAsync<TestDbContext, UserProfile>(options, TestContext.Current.CancellationToken);

        Assert.Equal((1_000L, 1_000L), (summary.Scanned, summary.Rewrapped));
        Assert.Equal(Enumerable.Range(1, 1_000), stamped.Order());
        await using var check = db.CreateContext(rings.Encryptor);
        Assert.Equal(1_000L, Convert.ToInt64(await Sql.ScalarAsync(check, "SELECT COUNT(*) FROM \"Checkpoints\" WHERE \"Name\" LIKE 'stamp-%'")));
        Assert.Equal("1000", summary.Checkpoint);
        Assert.Equal("1000", checkpoints.Last());
    }

    [Fact]
    public async Task Reencrypt_OnBatch_LeavesOutRowsSkippedAndRowsThatFailed()
    {
        var rings = await Rings.CreateAsync();
        await using var db = await TestDatabase.CreateWithSchemaAsync(provider, rings.Encryptor);
        await SeedAsync(db, rings, 10);
        await using var context = db.CreateContext(rings.Encryptor);
        await Sql.ExecuteAsync(context, "UPDATE \"Profiles\" SET \"ApiKey\" = 'not a ciphertext' WHERE \"Email\" = 'user1'");
        await rings.RotateAsync();
        var stamped = new List<int>();
        var options = new EntityReencryptionOptions
        {
            OnBatchAsync = (_, keys, _) =>
            {
                stamped.AddRange(keys.Select(k => Convert.ToInt32(k, System.Globalization.CultureInfo.InvariantCulture)));
                return Task.CompletedTask;
            },
            BeforeWriteBatch = ChangeUser4Once(db, rings),
        };

        var summary = await context.ReencryptAsync<UserProfile>(options);

        Assert.Equal((10L, 8L, 1L, 1L), (summary.Scanned, summary.Rewrapped, summary.Skipped, summary.Failed));
        Assert.Equal([1, 3, 4, 6, 7, 8, 9, 10], stamped.Order());
    }

    /// <summary>A seam that, before the first batch is written, lets the application change user4's API key.</summary>
    private static Func<CancellationToken, Task> ChangeUser4Once(TestDatabase db, Rings rings)
    {
        bool changed = false;
        return async _ =>
        {
            if (!changed)
            {
                changed = true;
                await using var app = db.CreateContext(rings.Encryptor);
                var profile = await app.Profiles.SingleAsync(p => p.Email == "user4");
                profile.ApiKey = "changed-by-the-app";
                await app.SaveChangesAsync();
            }
        };
    }

    private sealed class TestContextFactory(TestDatabase db, Rings rings) : IDbContextFactory<TestDbContext>
    {
        public TestDbContext CreateDbContext() => db.CreateContext(rings.Encryptor, rings.Provider);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

public sealed class SqliteReencryptionTests() : ReencryptionTests("sqlite", largeRowCount: 20_000);

public sealed class PostgresReencryptionTests() : ReencryptionTests("postgres", largeRowCount: 100_000);
