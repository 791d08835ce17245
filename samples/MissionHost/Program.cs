using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using MissionHost;
using MissionHost.Data;
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
        "legacy-seed" => await LegacySeedAsync(commandLine, cancel.Token),
        "migrate" => await MigrateAsync(commandLine, cancel.Token),
        "seed" => await SeedAsync(commandLine, cancel.Token),
        "missions" => await MissionsAsync(commandLine, cancel.Token),
        "rotate" => await RotateAsync(commandLine, cancel.Token),
        "report" => await WithHostAsync(commandLine, create: false, cancel.Token, async host =>
        {
            await ReportCommand.RunAsync(host, commandLine.Get("--out") ?? "report", cancel.Token);
            return 0;
        }),
        "verify" => await WithHostAsync(commandLine, create: false, cancel.Token, async host => await VerifyCommand.RunAsync(host, cancel.Token) ? 0 : 1),
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

// The default flow, the seed's own path: data from before Phase 9, the migration, then the application at work.
static async Task<int> RunAllAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    int users = commandLine.GetInt("--users", 10_000, min: 1);
    int count = commandLine.GetInt("--count", 20, min: 1);
    int seed = commandLine.GetInt("--seed", 42);
    string? db = commandLine.Get("--db");
    string dataFile = db ?? Path.Combine(Directory.CreateTempSubdirectory("missionhost-").FullName, "missionhost.db");
    var target = Target(commandLine, dataFile);
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
        ContinueWith.Print(target, host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>());
        return verified ? 0 : 1;
    }
}

// Each command reads all of its arguments before it touches the database or the key ring: a bad one changes nothing.
static async Task<int> LegacySeedAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    int users = commandLine.GetInt("--users", 10_000, min: 1);
    int count = commandLine.GetInt("--count", 5);
    await LegacySeedCommand.RunAsync(Target(commandLine), users, count, cancellationToken);
    return 0;
}

static async Task<int> MigrateAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    var (host, verified) = await MigrateCommand.RunAsync(Target(commandLine), cancellationToken);
    await host.DisposeAsync();
    return verified ? 0 : 1;
}

static async Task<int> SeedAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    int users = commandLine.GetInt("--users", 10_000, min: 1);
    return await WithHostAsync(commandLine, create: true, cancellationToken, async host =>
    {
        await SeedCommand.RunAsync(host, users, cancellationToken);
        return 0;
    });
}

static async Task<int> MissionsAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    int count = commandLine.GetInt("--count", 20, min: 1);
    int seed = commandLine.GetInt("--seed", 42);
    return await WithHostAsync(commandLine, create: false, cancellationToken, async host =>
    {
        await MissionsCommand.RunAsync(host, count, seed, cancellationToken);
        return 0;
    });
}

static async Task<int> RotateAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    string by = Required(commandLine, "--by");
    int? maxBatches = MaxBatches(commandLine);
    return await WithHostAsync(commandLine, create: false, cancellationToken, async host =>
        await RotateCommand.RunAsync(host, by, maxBatches, cancellationToken) is { Failed: > 0 } ? 1 : 0);
}

static async Task<int> WithHostAsync(CommandLine commandLine, bool create, CancellationToken cancellationToken, Func<SampleHost, Task<int>> run)
{
    await using var host = await SampleHost.StartAsync(Target(commandLine), createIfMissing: create, cancellationToken);
    return await run(host);
}

static async Task<int> ServeAsync(CommandLine commandLine, CancellationToken cancellationToken)
{
    var target = Target(commandLine);
    string urls = commandLine.Get("--urls") ?? MissionHost.Dashboard.DashboardApp.DefaultUrl;
    await using var app = await MissionHost.Dashboard.DashboardApp.BuildAsync(target, ["--urls", urls], cancellationToken: cancellationToken);
    await app.StartAsync(cancellationToken);
    AnsiConsole.MarkupLine($"Dashboard on [bold]{Markup.Escape(string.Join(", ", app.Urls))}[/] (database: {Markup.Escape(target.Describe())}). Ctrl+C or SIGTERM stops it.");

    // The host's console lifetime turns SIGTERM (kill, systemd, docker stop) and Ctrl+C into a graceful stop:
    // in-flight requests finish and the re-encryption stops at a checkpoint, within the host's shutdown timeout.
    using var stopOnCancel = cancellationToken.Register(() => app.Lifetime.StopApplication());
    await app.WaitForShutdownAsync(CancellationToken.None);
    return 0;
}

// --postgres, else the configuration key MissionHost:Postgres (appsettings.json or MissionHost__Postgres), else the SQLite file.
static DatabaseTarget Target(CommandLine commandLine, string? dataFile = null)
{
    string file = dataFile ?? commandLine.Get("--db") ?? Path.Combine("missionhost-data", "missionhost.db");
    var configuration = new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();
    string? postgres = commandLine.Get("--postgres") ?? configuration[SampleHost.PostgresKey];
    if (postgres is not null && string.IsNullOrWhiteSpace(postgres) && commandLine.Get("--postgres") is not null)
    {
        throw new UsageException("--postgres needs a connection string, for example \"Host=127.0.0.1;Username=postgres;Database=missionhost\".");
    }

    return string.IsNullOrWhiteSpace(postgres)
        ? DatabaseTarget.Sqlite(file)
        : DatabaseTarget.Postgres(postgres, Path.GetDirectoryName(Path.GetFullPath(file))!);
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
    Npgsql.NpgsqlException e => $"PostgreSQL error: {e.Message}",
    Microsoft.EntityFrameworkCore.DbUpdateException e => $"database error: {e.InnerException?.Message ?? e.Message}",
    InvalidOperationException => ex.Message,
    OperationCanceledException => "cancelled.",
    _ => null,
};
