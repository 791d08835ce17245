using Microsoft.Data.Sqlite;
using MissionHost;
using Spectre.Console;
using VersionedEnvelope;
using VersionedEnvelope.Storage;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// System.CommandLine parses, answers --help and --version, and names the chosen command; the commands run below.
CommandLine? chosen = null;
var parsed = CommandLine.Build(c => chosen = c).Parse(args);
if (parsed.Errors.Count > 0)
{
    return UsageError(string.Join(" ", parsed.Errors.Select(e => e.Message)));
}

int invoked = await parsed.InvokeAsync();
if (chosen is not { } commandLine)
{
    return invoked;
}

try
{
    return commandLine.Command switch
    {
        null => await RunAllAsync(commandLine, cancel.Token),
        "seed" => await SeedAsync(commandLine, cancel.Token),
        "missions" => await MissionsAsync(commandLine, cancel.Token),
        "rotate" => await RotateAsync(commandLine, cancel.Token),
        "report" => await WithHostAsync(commandLine, create: false, async host =>
        {
            await ReportCommand.RunAsync(host, commandLine.Get("--out") ?? "report", cancel.Token);
            return 0;
        }),
        "verify" => await WithHostAsync(commandLine, create: false, host => Task.FromResult(VerifyCommand.Run(host) ? 0 : 1)),
        "serve" => await ServeAsync(commandLine, cancel.Token),
        _ => UsageError($"Unknown command '{commandLine.Command}'."),
    };
}
catch (UsageException ex)
{
    return UsageError(ex.Message);
}
catch (MissionHost.Dashboard.ConfigurationException ex)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
    return 2;
}
catch (Exception ex) when (Describe(ex) is { } message)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    return 1;
}

static async Task<int> RunAllAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    string? db = commandLine.Get("--db");
    var paths = db is null
        ? DataPaths.For(Path.Combine(Directory.CreateTempSubdirectory("missionhost-").FullName, "missionhost.db"))
        : DataPaths.For(db);
    AnsiConsole.Write(new Rule("[bold]MissionHost[/]: encrypted secrets, key rotation and agent costs"));
    AnsiConsole.MarkupLine($"Data folder: [bold]{Markup.Escape(paths.Directory)}[/]");
    using var host = SampleHost.Start(paths, createIfMissing: true);

    AnsiConsole.Write(new Rule("1. seed"));
    await SeedCommand.RunAsync(host, commandLine.GetInt("--users", 10_000, min: 1), cancellationToken);
    AnsiConsole.Write(new Rule("2. missions"));
    await MissionsCommand.RunAsync(host, commandLine.GetInt("--count", 20, min: 1), commandLine.GetInt("--seed", 42), cancellationToken);
    AnsiConsole.Write(new Rule("3. rotate"));
    await RotateCommand.RunAsync(host, "missionhost-demo", maxBatches: null, cancellationToken);
    AnsiConsole.Write(new Rule("4. report"));
    await ReportCommand.RunAsync(host, Path.Combine(paths.Directory, "report"), cancellationToken);
    AnsiConsole.Write(new Rule("5. verify"));
    return VerifyCommand.Run(host) ? 0 : 1;
}

// Each command reads all of its arguments before WithHostAsync touches the database or the key ring: a bad one changes nothing.
static async Task<int> SeedAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    int users = commandLine.GetInt("--users", 10_000, min: 1);
    return await WithHostAsync(commandLine, create: true, async host =>
    {
        await SeedCommand.RunAsync(host, users, cancellationToken);
        return 0;
    });
}

static async Task<int> MissionsAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    int count = commandLine.GetInt("--count", 20, min: 1);
    int seed = commandLine.GetInt("--seed", 42);
    return await WithHostAsync(commandLine, create: false, async host =>
    {
        await MissionsCommand.RunAsync(host, count, seed, cancellationToken);
        return 0;
    });
}

static async Task<int> RotateAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    string by = Required(commandLine, "--by");
    int? maxBatches = MaxBatches(commandLine);
    return await WithHostAsync(commandLine, create: false, async host =>
        await RotateCommand.RunAsync(host, by, maxBatches, cancellationToken) is { Failed: > 0 } ? 1 : 0);
}

static async Task<int> WithHostAsync(CommandLine commandLine, bool create, Func<SampleHost, Task<int>> run)
{
    var paths = DataPaths.For(commandLine.Get("--db") ?? Path.Combine("missionhost-data", "missionhost.db"));
    if (!create && !File.Exists(paths.Database))
    {
        throw new SampleException($"There is no database at {paths.Database}. Run 'seed' first, or the default flow with --db.");
    }

    using var host = SampleHost.Start(paths, createIfMissing: create);
    return await run(host);
}

static async Task<int> ServeAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    var paths = DataPaths.For(commandLine.Get("--db") ?? Path.Combine("missionhost-data", "missionhost.db"));
    string urls = commandLine.Get("--urls") ?? MissionHost.Dashboard.DashboardApp.DefaultUrl;
    await using var app = MissionHost.Dashboard.DashboardApp.Build(paths, ["--urls", urls]);
    await app.StartAsync(cancellationToken);
    AnsiConsole.MarkupLine($"Dashboard on [bold]{Markup.Escape(string.Join(", ", app.Urls))}[/] (data: {Markup.Escape(paths.Directory)}). Ctrl+C or SIGTERM stops it.");

    // The host's console lifetime turns SIGTERM (kill, systemd, docker stop) and Ctrl+C into a graceful stop:
    // in-flight requests finish and the re-encryption stops at a checkpoint, within the host's shutdown timeout.
    using var stopOnCancel = cancellationToken.Register(() => app.Lifetime.StopApplication());
    await app.WaitForShutdownAsync(CancellationToken.None);
    return 0;
}

static string Required(CommandLine commandLine, string name) =>
    commandLine.Get(name) ?? throw new UsageException($"Option {name} is required.");

static int? MaxBatches(CommandLine commandLine) =>
    commandLine.Get("--max-batches") is null ? null : commandLine.GetInt("--max-batches", 0, min: 1);

// The same shape as the envelope tool's usage errors: "<tool>: <what is wrong>", then the help, exit code 2.
int UsageError(string message)
{
    Console.Error.WriteLine($"missionhost: {message}");
    Console.Error.WriteLine();
    parsed.CommandResult.Command.Parse("--help").Invoke(new System.CommandLine.InvocationConfiguration { Output = Console.Error });
    return 2;
}

static string? Describe(Exception ex) => ex switch
{
    SampleException => ex.Message,
    KeyRingStoreException => $"the key ring cannot be opened: {ex.Message}",
    EnvelopeException e => $"a ciphertext could not be read ({e.Reason}): {e.Message}",
    SqliteException { SqliteErrorCode: 5 or 6 } => "the database is locked by another process; try again when it is free.",
    SqliteException e => $"database error: {e.Message}",
    InvalidOperationException => ex.Message,
    OperationCanceledException => "cancelled.",
    _ => null,
};
