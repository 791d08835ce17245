using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using MissionHost.Hosting;
using Spectre.Console;

namespace MissionHost.Commands;

/// <summary>
/// <c>migrate</c>: applies the pending EF Core migrations (Phase 9 among them) to the data that is there, creates the
/// key ring (the pre-Phase-9 key becomes version 1), and checks what the migration promised: no row lost, every old
/// profile at <c>keyVersion = 1</c> with no <c>keyRotationHistory</c>, every old mission without <c>agentCosts</c>, every
/// email encrypted and given its blind index.
/// </summary>
internal static class MigrateCommand
{
    /// <summary><c>migrate</c>: its options, and the work it hands to Program.</summary>
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command(
            "migrate",
            "Apply the pending EF Core migrations (Phase 9 among them), create the key ring, and check that old rows kept their data and got the Phase 9 defaults.");
        var database = CommandLine.Database(command);
        command.SetAction(r => choose(async ct =>
        {
            var (host, verified) = await RunAsync(database.Bind(r).Target(), ct);
            await host.DisposeAsync();
            return verified ? 0 : 1;
        }));
        return command;
    }

    public sealed record Counts(long Profiles, long Missions);

    /// <summary>Migrates and returns the started host, and whether every check held.</summary>
    public static async Task<(SampleHost Host, bool Verified)> RunAsync(DatabaseTarget target, CancellationToken cancellationToken)
    {
        // The old rows are checked when this run applies Phase 9 to them; a database already past it has nothing to check.
        Counts? before = null;
        await using (var context = target.CreateContext())
        {
            bool exists = target.IsPostgres || File.Exists(target.Paths.Database);
            var pending = exists ? await MissionSchema.PendingAsync(context, cancellationToken) : [];
            if (!exists)
            {
                AnsiConsole.MarkupLine($"There is no database at {Markup.Escape(target.Paths.Database)} yet: it is created at the latest schema.");
            }
            else if (pending.Count == 0)
            {
                AnsiConsole.MarkupLine("The database is at the latest schema; nothing to apply.");
            }
            else
            {
                AnsiConsole.MarkupLine($"Applying: [bold]{Markup.Escape(string.Join(", ", pending))}[/]");
                if (pending.Contains(MissionSchema.Phase9) && (await MissionSchema.AppliedAsync(context, cancellationToken)).Contains(MissionSchema.InitialSchema))
                {
                    before = await CountAsync(context, cancellationToken);
                }
            }
        }

        var host = await SampleHost.StartAsync(target, createIfMissing: true, cancellationToken);
        if (before is null)
        {
            return (host, true);
        }

        await using var migrated = host.CreateContext();
        var after = await CountAsync(migrated, cancellationToken);
        // Nothing else can write between the two counts: only a migrated database has the model the application writes with.
        long profilesAtVersion1 = await migrated.UserProfiles.LongCountAsync(p => p.KeyVersion == 1, cancellationToken);
        long profilesWithoutHistory = await migrated.UserProfiles.LongCountAsync(p => p.KeyRotationHistory == null, cancellationToken);
        long missionsWithoutCosts = await migrated.Missions.LongCountAsync(m => m.AgentCosts == null, cancellationToken);
        var legacy = await migrated.UserProfiles.LongCountAsync(p => !p.ApiKey.StartsWith("ve1:"), cancellationToken);

        var table = new Table().Border(TableBorder.Rounded).Title("After the migration").AddColumn("check").AddColumn(new TableColumn("result").RightAligned());
        table.AddRow("profiles before → after", $"{before.Profiles:N0} → {after.Profiles:N0}");
        table.AddRow("missions before → after", $"{before.Missions:N0} → {after.Missions:N0}");
        table.AddRow("old profiles with keyVersion = 1", $"{profilesAtVersion1:N0} / {after.Profiles:N0}");
        table.AddRow("old profiles with keyRotationHistory null", $"{profilesWithoutHistory:N0} / {after.Profiles:N0}");
        table.AddRow("missions with agentCosts null", $"{missionsWithoutCosts:N0} / {after.Missions:N0}");
        table.AddRow("API keys still headerless (re-encryption turns them into VE1)", $"{legacy:N0}");
        long clearEmails = await migrated.Database.SqlQuery<long>($"""SELECT COUNT(*) AS "Value" FROM "UserProfile" WHERE "email" NOT LIKE 've1:%' OR "emailIndex" IS NULL""").SingleAsync(cancellationToken);
        table.AddRow("emails encrypted, with a blind index (this run)", $"{host.EmailsEncryptedAtStart:N0}");
        table.AddRow("emails left in clear or without an index", $"{clearEmails:N0}");
        AnsiConsole.Write(table);

        bool ok = after == before && profilesAtVersion1 == after.Profiles && profilesWithoutHistory == after.Profiles && missionsWithoutCosts == after.Missions
            && clearEmails == 0 && host.EmailsEncryptedAtStart == after.Profiles;
        AnsiConsole.MarkupLine(ok
            ? $"[green]Migrated: no row lost, old rows have the Phase 9 defaults, the key ring has the old key as v{host.KeyRing.Current.ActiveVersion}.[/]"
            : "[red]The migration's checks failed.[/]");
        return (host, ok);
    }

    /// <summary>Row counts with SQL the schema of every migration has.</summary>
    public static async Task<Counts> CountAsync(MissionDbContext context, CancellationToken cancellationToken) => new(
        await context.Database.SqlQuery<long>($"""SELECT COUNT(*) AS "Value" FROM "UserProfile" """).SingleAsync(cancellationToken),
        await context.Database.SqlQuery<long>($"""SELECT COUNT(*) AS "Value" FROM "Mission" """).SingleAsync(cancellationToken));
}
