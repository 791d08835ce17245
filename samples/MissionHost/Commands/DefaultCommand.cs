using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace MissionHost.Commands;

/// <summary>
/// The default flow, the seed's own path, one step per command: data from before Phase 9, the migration, then the
/// application at work (missions, a rotation with re-encryption, the report) and a check of everything.
/// </summary>
internal static class DefaultCommand
{
    /// <summary>The root command: runs the whole flow when no subcommand is named.</summary>
    public static RootCommand Create(ChooseCommand choose)
    {
        var root = new RootCommand("""
            MissionHost: a mission host that keeps encrypted secrets, rotates keys and tracks agent costs, on EF Core
            with embedded SQLite (or a database you keep with --db), or PostgreSQL with --postgres. Without a command it
            runs everything in order on a fresh database: legacy-seed (data as it was before Phase 9), migrate, missions,
            rotate, report, verify. The key ring's root key comes from MISSIONHOST_ROOT_KEY (base64 of 32 bytes); when it
            is unset a development key file is made beside the database, with a warning.
            """);
        var database = CommandLine.Database(root);
        var users = CommandLine.Add(root, CommandLine.Users());
        var count = CommandLine.Add(root, CommandLine.Count("Missions to run.", 20, min: 1));
        var seed = CommandLine.Add(root, CommandLine.Seed());
        root.SetAction(r => choose(ct => RunAsync(database.Bind(r), r.GetValue(users), r.GetValue(count), r.GetValue(seed), ct)));
        return root;
    }

    public static async Task<int> RunAsync(DatabaseArguments database, int users, int count, int seed, CancellationToken cancellationToken)
    {
        string dataFile = database.Db ?? Path.Combine(Directory.CreateTempSubdirectory("missionhost-").FullName, "missionhost.db");
        var target = database.Target(dataFile);
        AnsiConsole.Write(new Rule("[bold]MissionHost[/]: encrypted secrets, key rotation and agent costs"));
        AnsiConsole.MarkupLine($"Database: [bold]{Markup.Escape(target.Describe())}[/]; data folder: [bold]{Markup.Escape(target.Paths.Directory)}[/]");

        AnsiConsole.Write(new Rule("1. legacy-seed: the data as it was before Phase 9"));
        await LegacySeedCommand.RunAsync(target, users, missions: 5, cancellationToken);
        AnsiConsole.Write(new Rule("2. migrate: Phase 9 on that data"));
        var (host, migrated) = await MigrateCommand.RunAsync(target, cancellationToken);
        await using (host)
        {
            AnsiConsole.Write(new Rule("3. missions"));
            await MissionsCommand.RunAsync(host, count, seed, cancellationToken);
            AnsiConsole.Write(new Rule("4. rotate: legacy values become VE1 under the new key"));
            await RotateCommand.RunAsync(host, "missionhost-demo", maxBatches: null, cancellationToken);
            AnsiConsole.Write(new Rule("5. report"));
            await ReportCommand.RunAsync(host, Path.Combine(target.Paths.Directory, "report"), cancellationToken);
            AnsiConsole.Write(new Rule("6. verify"));
            bool verified = await VerifyCommand.RunAsync(host, cancellationToken) && migrated;
            ContinueWith.Print(target, host.Services.GetRequiredService<IConfiguration>());
            return verified ? 0 : 1;
        }
    }
}
