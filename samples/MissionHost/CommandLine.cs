using System.CommandLine;
using System.Globalization;

namespace MissionHost;

/// <summary>
/// The sample's commands and options for System.CommandLine (generated help, <c>--version</c>, <c>--name=value</c>),
/// and the values of the command that was chosen, as the commands read them.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options;

    private CommandLine(string? command, Dictionary<string, string> options)
    {
        Command = command;
        _options = options;
    }

    /// <summary>The chosen command; <see langword="null"/> for the default flow.</summary>
    public string? Command { get; }

    /// <summary>The command tree; <paramref name="chosen"/> receives the parsed command when one runs.</summary>
    public static RootCommand Build(Action<CommandLine> chosen)
    {
        var root = new RootCommand("""
            MissionHost: a mission host that keeps encrypted secrets, rotates keys and tracks agent costs, on EF Core
            with embedded SQLite (or a database you keep with --db), or PostgreSQL with --postgres. Without a command it
            runs everything in order on a fresh database: legacy-seed (data as it was before Phase 9), migrate, missions,
            rotate, report, verify. The key ring's root key comes from MISSIONHOST_ROOT_KEY (base64 of 32 bytes); when it
            is unset a development key file is made beside the database, with a warning.
            """);
        Option<string>[] all = [Db(), Postgres(), Users(), Count(), Seed()];
        foreach (var option in all)
        {
            root.Options.Add(option);
        }

        root.SetAction(result => chosen(From(null, result, all)));
        Add(
            root,
            "legacy-seed",
            "Write a database as it was before Phase 9: the first migration's schema, API keys in headerless AES-GCM under one raw key, missions without agentCosts.",
            chosen,
            Db(),
            Postgres(),
            Users(),
            Text("--count", "M", "Missions from before Phase 9 to add (default 5)."));
        Add(root, "migrate", "Apply the pending EF Core migrations (Phase 9 among them), create the key ring, and check that old rows kept their data and got the Phase 9 defaults.", chosen, Db(), Postgres());
        Add(root, "seed", "Add user profiles whose API keys are encrypted (migrates a new database first).", chosen, Db(), Postgres(), Users());
        Add(root, "missions", "Run missions of Agent Framework agents through the cost-tracking pipeline and store their costs.", chosen, Db(), Postgres(), Count(), Seed());
        Add(
            root,
            "rotate",
            "Rotate the key ring, then re-encrypt every stale profile; interrupted, running it again resumes from the checkpoint.",
            chosen,
            Db(),
            Postgres(),
            Text("--by", "NAME", "Who rotates (recorded in the audit trail).", required: true),
            Text("--max-batches", "N", "Stop after N batches, to show that running it again resumes."));
        Add(root, "report", "Key usage per version, the cost breakdown per agent, JSON files and a pie chart.", chosen, Db(), Postgres(), Text("--out", "DIR", "Where the files go (default ./report)."));
        Add(root, "verify", "Check that every secret decrypts and every mission's agent costs add up to its cost.", chosen, Db(), Postgres());
        Add(
            root,
            "serve",
            "The web dashboard and JSON APIs on Kestrel; the admin token for rotation comes from Dashboard__AdminToken (made and printed once when unset).",
            chosen,
            Db(),
            Postgres(),
            Text("--urls", "URL", "Where to listen (default http://127.0.0.1:5080)."));
        return root;
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public int GetInt(string name, int defaultValue, int min = 0)
    {
        if (!_options.TryGetValue(name, out var text))
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min
            ? value
            : throw new UsageException($"Option {name} must be a whole number of at least {min}; got '{text}'.");
    }

    private static void Add(RootCommand root, string name, string description, Action<CommandLine> chosen, params Option<string>[] options)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(result => chosen(From(name, result, options)));
        root.Subcommands.Add(command);
    }

    private static CommandLine From(string? command, ParseResult result, Option<string>[] options)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            if (result.GetValue(option) is { } value)
            {
                values[option.Name] = value;
            }
        }

        return new CommandLine(command, values);
    }

    private static Option<string> Db() => Text("--db", "PATH", "The SQLite database (default ./missionhost-data/missionhost.db; the key ring is kept beside it; relative to the current folder).");

    private static Option<string> Postgres() => Text("--postgres", "CONNECTION", "Use PostgreSQL (an Npgsql connection string) instead of the SQLite file; the key ring then lives in the database, shared by every host (also: configuration key MissionHost:Postgres, environment MissionHost__Postgres). --db's folder still holds the development key files and reports.");

    private static Option<string> Users() => Text("--users", "N", "Profiles to add (default 10000).");

    private static Option<string> Count() => Text("--count", "M", "Missions to run (default 20).");

    private static Option<string> Seed() => Text("--seed", "S", "The seed of the scripted model (default 42): the same seed gives the same token use.");

    private static Option<string> Text(string name, string helpName, string description, bool required = false) =>
        new(name) { Description = description, HelpName = helpName, Required = required };
}

/// <summary>A mistake in the command line: exit code 2 and the command's help.</summary>
internal sealed class UsageException(string message) : Exception(message);
