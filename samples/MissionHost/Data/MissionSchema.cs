using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore;
using MissionHost.Hosting;

namespace MissionHost.Data;

/// <summary>The database's EF Core migrations: the pre-Phase-9 schema, the seed's Phase 9 columns, then the host's own tables.</summary>
internal static class MissionSchema
{
    /// <summary>The schema the application had before Phase 9: profiles with an API key, missions with a cost.</summary>
    public const string InitialSchema = "InitialSchema";

    /// <summary>The seed's migration: <c>keyVersion</c>, <c>keyRotationHistory</c>, <c>Mission.agentCosts</c> and their comments.</summary>
    public const string Phase9 = "Phase9VaultAndTelemetry";

    public static async Task<IReadOnlyList<string>> AppliedAsync(MissionDbContext context, CancellationToken cancellationToken) =>
        [.. (await context.Database.GetAppliedMigrationsAsync(cancellationToken)).Select(Name)];

    public static async Task<IReadOnlyList<string>> PendingAsync(MissionDbContext context, CancellationToken cancellationToken) =>
        [.. (await context.Database.GetPendingMigrationsAsync(cancellationToken)).Select(Name)];

    /// <summary>Applies migrations up to <paramref name="target"/> (every one when null).</summary>
    public static async Task MigrateAsync(MissionDbContext context, string? target, CancellationToken cancellationToken)
    {
        if (context.Database.GetDbConnection() is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(sqlite.DataSource))!);
        }

        await context.GetService<IMigrator>().MigrateAsync(target, cancellationToken);
        if (!context.IsPostgres)
        {
            // Readers (the dashboard) and the writer (re-encryption) then do not block each other; the mode stays with the file.
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;", cancellationToken);
        }
    }

    /// <summary>Refuses a database that is missing or not at the latest schema, with what to run.</summary>
    public static async Task EnsureCurrentAsync(DatabaseTarget target, CancellationToken cancellationToken)
    {
        if (!target.IsPostgres && !File.Exists(target.Paths.Database))
        {
            throw new SampleException($"There is no database at {target.Paths.Database}. Run 'seed' (or 'legacy-seed' then 'migrate') first, or the default flow with --db.");
        }

        await using var context = target.CreateContext();
        if (target.IsPostgres && !await context.Database.CanConnectAsync(cancellationToken))
        {
            throw new SampleException($"There is no database ({target.Describe()}), or the server cannot be reached. Run 'seed' (or 'legacy-seed' then 'migrate') first, or the default flow with --postgres.");
        }

        var pending = await PendingAsync(context, cancellationToken);

        if (pending.Count > 0)
        {
            throw new SampleException($"The database ({target.Describe()}) has migrations to apply: {string.Join(", ", pending)}. Run 'migrate' first.");
        }
    }

    /// <summary>A migration's name without its timestamp: 20260127082732_Phase9VaultAndTelemetry → Phase9VaultAndTelemetry.</summary>
    public static string Name(string id) => id[(id.IndexOf('_', StringComparison.Ordinal) + 1)..];
}
