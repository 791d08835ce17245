using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Npgsql;

namespace MissionHost;

/// <summary>
/// The sample's commands and options for System.CommandLine (generated help with the defaults, <c>--version</c>,
/// <c>--name=value</c>). Each command binds its typed options once: the action it chooses calls its handler with the
/// values, and a value that cannot be right (a count below its minimum, an empty connection string) is a parse error.
/// </summary>
internal static class CommandLine
{
    /// <summary>The command tree; <paramref name="chosen"/> receives the chosen command's action, bound to its values.</summary>
    public static RootCommand Build(CommandHandlers handlers, Action<Func<CancellationToken, Task<int>>> chosen)
    {
        var root = new RootCommand("""
            MissionHost: a mission host that keeps encrypted secrets, rotates keys and tracks agent costs, on EF Core
            with embedded SQLite (or a database you keep with --db), or PostgreSQL with --postgres. Without a command it
            runs everything in order on a fresh database: legacy-seed (data as it was before Phase 9), migrate, missions,
            rotate, report, verify. The key ring's root key comes from MISSIONHOST_ROOT_KEY (base64 of 32 bytes); when it
            is unset a development key file is made beside the database, with a warning.
            """);
        var all = Database(root);
        var (allUsers, allCount, allSeed) = (Add(root, Users()), Add(root, Count("Missions to run.", 20, min: 1)), Add(root, Seed()));
        root.SetAction(r => chosen(ct => handlers.RunAll(all.Bind(r), r.GetValue(allUsers), r.GetValue(allCount), r.GetValue(allSeed), ct)));

        var legacySeed = Command(
            root,
            "legacy-seed",
            "Write a database as it was before Phase 9: the first migration's schema, API keys in headerless AES-GCM under one raw key, missions without agentCosts.");
        var legacyDatabase = Database(legacySeed);
        var (legacyUsers, legacyCount) = (Add(legacySeed, Users()), Add(legacySeed, Count("Missions from before Phase 9 to add.", 5, min: 0)));
        legacySeed.SetAction(r => chosen(ct => handlers.LegacySeed(legacyDatabase.Bind(r), r.GetValue(legacyUsers), r.GetValue(legacyCount), ct)));

        var migrate = Command(root, "migrate", "Apply the pending EF Core migrations (Phase 9 among them), create the key ring, and check that old rows kept their data and got the Phase 9 defaults.");
        var migrateDatabase = Database(migrate);
        migrate.SetAction(r => chosen(ct => handlers.Migrate(migrateDatabase.Bind(r), ct)));

        var seed = Command(root, "seed", "Add user profiles whose API keys are encrypted (migrates a new database first).");
        var seedDatabase = Database(seed);
        var seedUsers = Add(seed, Users());
        seed.SetAction(r => chosen(ct => handlers.Seed(seedDatabase.Bind(r), r.GetValue(seedUsers), ct)));

        var missions = Command(root, "missions", "Run missions of Agent Framework agents through the cost-tracking pipeline and store their costs.");
        var missionsDatabase = Database(missions);
        var (missionsCount, missionsSeed) = (Add(missions, Count("Missions to run.", 20, min: 1)), Add(missions, Seed()));
        missions.SetAction(r => chosen(ct => handlers.Missions(missionsDatabase.Bind(r), r.GetValue(missionsCount), r.GetValue(missionsSeed), ct)));

        var rotate = Command(root, "rotate", "Rotate the key ring, then re-encrypt every stale profile; interrupted, running it again resumes from the checkpoint.");
        var rotateDatabase = Database(rotate);
        var by = Add(rotate, new Option<string>("--by") { Description = "Who rotates (recorded in the audit trail).", HelpName = "NAME", Required = true });
        var maxBatches = Add(rotate, Number("--max-batches", "N", "Stop after N batches, to show that running it again resumes.", min: 1));
        rotate.SetAction(r => chosen(ct => handlers.Rotate(rotateDatabase.Bind(r), r.GetRequiredValue(by), r.GetValue(maxBatches), ct)));

        var report = Command(root, "report", "Key usage per version, the cost breakdown per agent, JSON files and a pie chart.");
        var reportDatabase = Database(report);
        var output = Add(report, new Option<DirectoryInfo>("--out")
        {
            Description = "Where the files go.",
            HelpName = "DIR",
            DefaultValueFactory = _ => new DirectoryInfo("report"),
        });
        report.SetAction(r => chosen(ct => handlers.Report(reportDatabase.Bind(r), r.GetRequiredValue(output), ct)));

        var verify = Command(root, "verify", "Check that every secret decrypts and every mission's agent costs add up to its cost.");
        var verifyDatabase = Database(verify);
        verify.SetAction(r => chosen(ct => handlers.Verify(verifyDatabase.Bind(r), ct)));

        var serve = Command(
            root,
            "serve",
            "The web dashboard and JSON APIs on Kestrel; the admin token for rotation comes from Dashboard__AdminToken (made and printed once when unset).");
        var serveDatabase = Database(serve);
        var urls = Add(serve, new Option<string>("--urls")
        {
            Description = "Where to listen.",
            HelpName = "URL",
            DefaultValueFactory = _ => Dashboard.DashboardApp.DefaultUrl,
        });
        serve.SetAction(r => chosen(ct => handlers.Serve(serveDatabase.Bind(r), r.GetRequiredValue(urls), ct)));
        return root;
    }

    private static Command Command(RootCommand root, string name, string description)
    {
        var command = new Command(name, description);
        root.Subcommands.Add(command);
        return command;
    }

    private static Option<T> Add<T>(Command command, Option<T> option)
    {
        command.Options.Add(option);
        return option;
    }

    /// <summary>--db and --postgres, on every command.</summary>
    private static DatabaseOptions Database(Command command)
    {
        var db = Add(command, new Option<FileInfo>("--db")
        {
            Description = "The SQLite database (default ./missionhost-data/missionhost.db; the key ring is kept beside it; relative to the current folder).",
            HelpName = "PATH",
        });
        var postgres = Add(command, new Option<string>("--postgres")
        {
            Description = "Use PostgreSQL (an Npgsql connection string) instead of the SQLite file; the key ring then lives in the database, shared by "
                + "every host (also: configuration key MissionHost:Postgres, environment MissionHost__Postgres). --db's folder still holds the "
                + "development key files and reports.",
            HelpName = "CONNECTION",
        });
        postgres.Validators.Add(result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (string.IsNullOrWhiteSpace(text))
            {
                result.AddError("--postgres needs a connection string, for example \"Host=127.0.0.1;Username=postgres;Database=missionhost\".");
                return;
            }

            try
            {
                _ = new NpgsqlConnectionStringBuilder(text);
            }
            catch (ArgumentException ex)
            {
                result.AddError($"--postgres is not a valid connection string: {ex.Message}");
            }
        });
        return new DatabaseOptions(db, postgres);
    }

    private static Option<int> Users() => Number("--users", "N", "Profiles to add.", min: 1, defaultValue: 10_000);

    private static Option<int> Count(string description, int defaultValue, int min) => Number("--count", "M", description, min, defaultValue);

    private static Option<int> Seed() => Number("--seed", "S", "The seed of the scripted model: the same seed gives the same token use.", min: 0, defaultValue: 42);

    private static Option<int?> Number(string name, string helpName, string description, int min) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParseNumber(result, name, min),
    };

    private static Option<int> Number(string name, string helpName, string description, int min, int defaultValue) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseNumber(result, name, min) ?? defaultValue,
    };

    /// <summary>A whole number of at least <paramref name="min"/>; anything else is a usage error that names the option and what was given.</summary>
    private static int? ParseNumber(ArgumentResult result, string name, int min)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min)
        {
            return value;
        }

        result.AddError($"Option {name} must be a whole number of at least {min}; got '{text}'.");
        return null;
    }

    /// <summary>The database options of a command, bound to their values.</summary>
    private sealed record DatabaseOptions(Option<FileInfo> Db, Option<string> Postgres)
    {
        public DatabaseArguments Bind(ParseResult result) => new(result.GetValue(Db)?.ToString(), result.GetValue(Postgres));
    }
}
