using Microsoft.EntityFrameworkCore;
using MissionHost.Commands;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Keys;

namespace MissionHost.Tests;

/// <summary>The Phase 9 migration on data written before it, on each provider.</summary>
public abstract class MigrationTests : IAsyncDisposable
{
    private protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private protected TestTargets Targets { get; } = new();

    private protected abstract DatabaseTarget CreateTarget();

    public ValueTask DisposeAsync() => Targets.DisposeAsync();

    private sealed record Raw(long Id, string ApiKey, long Cost);

    private sealed record StoredEmail(string Email, string? EmailIndex);

    [Fact]
    public async Task LegacyData_Migrated_KeepsEveryValueAndGetsTheDefaults_ThenRotationMakesItVe1()
    {
        var target = CreateTarget();
        await LegacySeedCommand.RunAsync(target, users: 120, missions: 3, Ct);
        List<string> keysBefore;
        await using (var context = target.CreateContext())
        {
            Assert.Equal([MissionSchema.InitialSchema], await MissionSchema.AppliedAsync(context, Ct));
            keysBefore = await context.Database.SqlQuery<string>($"""SELECT "apiKey" AS "Value" FROM "UserProfile" ORDER BY "id" """).ToListAsync(Ct);
            Assert.All(keysBefore, key => Assert.False(key.StartsWith("ve1:", StringComparison.Ordinal)));
        }

        var (host, verified) = await MigrateCommand.RunAsync(target, Ct);
        await using (host)
        {
            Assert.True(verified);
            await using (var context = target.CreateContext())
            {
                Assert.Equal(target.IsPostgres ? [MissionSchema.InitialSchema, MissionSchema.Phase9, "SharedKeyRingAndCheckpoints", "AgentCostsShapeCheck", "EncryptedEmailWithBlindIndex", "KeyUseCounts"] : [MissionSchema.InitialSchema, MissionSchema.Phase9, "SharedKeyRingAndCheckpoints", "EncryptedEmailWithBlindIndex", "KeyUseCounts"], await MissionSchema.AppliedAsync(context, Ct));

                // The clear emails became ciphertexts with a blind index beside them; neither holds the address.
                var emails = await context.Database.SqlQuery<StoredEmail>($"""SELECT "email" AS "Email", "emailIndex" AS "EmailIndex" FROM "UserProfile" ORDER BY "id" """).ToListAsync(Ct);
                Assert.Equal(120, emails.Count);
                Assert.All(emails, e => Assert.StartsWith("ve1:v1:", e.Email, StringComparison.Ordinal));
                Assert.All(emails, e => Assert.StartsWith("bi1:v1:", e.EmailIndex, StringComparison.Ordinal));
                Assert.DoesNotContain(emails, e => e.Email.Contains("example", StringComparison.Ordinal) || e.EmailIndex!.Contains("example", StringComparison.Ordinal));
                Assert.Equal(keysBefore, await context.Database.SqlQuery<string>($"""SELECT "apiKey" AS "Value" FROM "UserProfile" ORDER BY "id" """).ToListAsync(Ct));
                Assert.Equal([1], await context.Database.SqlQuery<int>($"""SELECT DISTINCT "keyVersion" AS "Value" FROM "UserProfile" """).ToListAsync(Ct));
                Assert.Equal(0, await context.UserProfiles.LongCountAsync(p => p.KeyRotationHistory != null, Ct));
                var missions = await context.Database.SqlQuery<Raw>($"""SELECT "id" AS "Id", "name" AS "ApiKey", "cost" AS "Cost" FROM "Mission" WHERE "agentCosts" IS NULL ORDER BY "id" """).ToListAsync(Ct);
                Assert.Equal(3, missions.Count);
                Assert.All(missions, m => Assert.Equal(SampleSecrets.LegacyMissionCost(m.ApiKey), m.Cost));
            }

            // The pre-Phase-9 key became version 1 of the ring: the old values read through the encrypted property.
            Assert.Equal(1, host.KeyRing.Current.ActiveVersion);
            await using (var context = host.CreateContext())
            {
                var profile = await context.UserProfiles.OrderBy(p => p.Id).FirstAsync(Ct);
                Assert.Equal(SampleSecrets.ApiKey(profile.Email), profile.ApiKey);
                Assert.Equal(profile.Id, (await context.UserProfiles.FirstOrDefaultBlindAsync(p => p.Email, profile.Email.ToUpperInvariant(), Ct))?.Id);
            }

            await RotateCommand.RunAsync(host, "ops", maxBatches: null, Ct);
            Assert.True(await VerifyCommand.RunAsync(host, Ct));
            await using (var context = target.CreateContext())
            {
                var keysAfter = await context.Database.SqlQuery<string>($"""SELECT "apiKey" AS "Value" FROM "UserProfile" ORDER BY "id" """).ToListAsync(Ct);
                Assert.Equal(120, keysAfter.Count);
                Assert.All(keysAfter, key => Assert.StartsWith("ve1:v2:", key, StringComparison.Ordinal));
            }
        }

        // Again, on a database past Phase 9: nothing to apply, nothing to check, success.
        var (again, verifiedAgain) = await MigrateCommand.RunAsync(target, Ct);
        await again.DisposeAsync();
        Assert.True(verifiedAgain);
    }

    [Fact]
    public async Task LegacySeed_OnAMigratedDatabase_IsRefusedAndWritesNothing()
    {
        var target = CreateTarget();
        await using (var host = await SampleHost.StartAsync(target, createIfMissing: true, Ct))
        {
            await SeedCommand.RunAsync(host, 5, Ct);
        }

        var error = await Assert.ThrowsAsync<SampleException>(() => LegacySeedCommand.RunAsync(target, users: 10, missions: 1, Ct));
        Assert.Contains("already past InitialSchema", error.Message, StringComparison.Ordinal);
        await using var context = target.CreateContext();
        Assert.Equal(5, await context.UserProfiles.CountAsync(Ct));
    }

    [Fact]
    public async Task Commands_OnADatabaseBeforePhase9_AskForMigrate()
    {
        var target = CreateTarget();
        await LegacySeedCommand.RunAsync(target, users: 3, missions: 0, Ct);

        var error = await Assert.ThrowsAsync<SampleException>(() => SampleHost.StartAsync(target, createIfMissing: false, Ct));
        Assert.Contains("Run 'migrate' first", error.Message, StringComparison.Ordinal);
        Assert.Contains(MissionSchema.Phase9, error.Message, StringComparison.Ordinal);
    }
}

// Commands draw Spectre.Console progress bars, one at a time per process: with the other tests that run them.
[Collection(DashboardCollection.Name)]
public sealed class SqliteMigrationTests : MigrationTests
{
    private protected override DatabaseTarget CreateTarget() => Targets.Sqlite();

    [Fact]
    public async Task Phase9_AddsTheColumnsWithSqlitesClosestTypesAndTheDefault()
    {
        var target = CreateTarget();
        await LegacySeedCommand.RunAsync(target, users: 2, missions: 1, Ct);
        await using var host = (await MigrateCommand.RunAsync(target, Ct)).Host;
        await using var context = target.CreateContext();
        var columns = await context.Database.SqlQuery<SqliteColumn>(
            $"""SELECT 'UserProfile' AS "Table", name AS "Name", type AS "Type", "notnull" AS "NotNull", dflt_value AS "Default" FROM pragma_table_info('UserProfile') UNION ALL SELECT 'Mission', name, type, "notnull", dflt_value FROM pragma_table_info('Mission')""").ToListAsync(Ct);
        Assert.Contains(new SqliteColumn("UserProfile", "keyVersion", "INTEGER", 1, "1"), columns);
        Assert.Contains(new SqliteColumn("UserProfile", "keyRotationHistory", "TEXT", 0, null), columns);
        Assert.Contains(new SqliteColumn("Mission", "agentCosts", "TEXT", 0, null), columns);
    }

    private sealed record SqliteColumn(string Table, string Name, string Type, long NotNull, string? Default);
}

// Commands draw Spectre.Console progress bars, one at a time per process: with the other tests that run them.
[Collection(DashboardCollection.Name)]
public sealed class PostgresMigrationTests : MigrationTests
{
    private protected override DatabaseTarget CreateTarget() => Targets.Postgres();

    /// <summary>Exactly the seed's Phase 9 columns: types, nullability, defaults (information_schema) and comments (pg_description).</summary>
    [Fact]
    public async Task Phase9_HasTheSeedsColumnsTypesDefaultsAndComments()
    {
        var target = CreateTarget();
        await LegacySeedCommand.RunAsync(target, users: 2, missions: 1, Ct);
        await using var host = (await MigrateCommand.RunAsync(target, Ct)).Host;
        await using var context = target.CreateContext();
        var columns = await context.Database.SqlQuery<PostgresColumn>($"""
            SELECT c.table_name AS "Table", c.column_name AS "Name", c.data_type AS "Type", c.is_nullable AS "Nullable",
                   c.column_default AS "Default", d.description AS "Comment"
            FROM information_schema.columns c
            LEFT JOIN pg_catalog.pg_description d
                ON d.objoid = format('%I.%I', c.table_schema, c.table_name)::regclass AND d.objsubid = c.ordinal_position
            WHERE c.table_schema = 'public' AND c.table_name IN ('UserProfile', 'Mission')
            """).ToListAsync(Ct);

        Assert.Contains(new PostgresColumn("UserProfile", "keyVersion", "integer", "NO", "1", MissionDbContext.KeyVersionComment), columns);
        Assert.Contains(new PostgresColumn("UserProfile", "keyRotationHistory", "jsonb", "YES", null, MissionDbContext.KeyRotationHistoryComment), columns);
        Assert.Contains(new PostgresColumn("Mission", "agentCosts", "jsonb", "YES", null, MissionDbContext.AgentCostsComment), columns);
        // The columns from before Phase 9 are untouched and carry no comment; agentCostsValid is the host's own (AgentCostsShapeCheck).
        Assert.Contains(new PostgresColumn("UserProfile", "apiKey", "text", "NO", null, null), columns);
        Assert.Contains(new PostgresColumn("Mission", "cost", "bigint", "NO", null, null), columns);
        Assert.Equal(["apiKey", "email", "emailIndex", "id", "keyRotationHistory", "keyVersion"], columns.Where(c => c.Table == "UserProfile").Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["agentCosts", "agentCostsValid", "completedAt", "cost", "id", "name", "startedAt"], columns.Where(c => c.Table == "Mission").Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    private sealed record PostgresColumn(string Table, string Name, string Type, string Nullable, string? Default, string? Comment);
}
