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

// System.CommandLine parses, answers --help and --version, and binds the chosen command's typed values; it runs below.
Func<CancellationToken, Task<int>>? chosen = null;
var handlers = new CommandHandlers(
    RunAllAsync,
    LegacySeedAsync,
    MigrateAsync,
    SeedAsync,
    MissionsAsync,
    RotateAsync,
    (database, output, ct) => WithHostAsync(database, create: false, ct, async host =>
    {
        await ReportCommand.RunAsync(host, output.ToString(), ct);
        return 0;
    }),
    (database, ct) => WithHostAsync(database, create: false, ct, async host => await VerifyCommand.RunAsync(host, ct) ? 0 : 1),
    ServeAsync);
var parsed = CommandLine.Build(handlers, action => chosen = action).Parse(args);
if (parsed.Errors.Count > 0)
{
    return UsageError(string.Join(" ", parsed.Errors.Select(e => e.Message)));
}

int invoked = await parsed.InvokeAsync();
if (chosen is null)
{
    return invoked;
}

try
{
    return await chosen(cancel.Token);
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
static async Task<int> RunAllAsync(DatabaseArguments database, int users, int count, int seed, CancellationToken cancellationToken)
{
    string dataFile = database.Db ?? Path.Combine(Directory.CreateTempSubdirectory("missionhost-").FullName, "missionhost.db");
    var target = Target(database, dataFile);
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

// Every argument is parsed and checked before a command touches the database or the key ring: a bad one changes nothing.
static async Task<int> LegacySeedAsync(DatabaseArguments database, int users, int count, CancellationToken cancellationToken)
{
    await LegacySeedCommand.RunAsync(Target(database), users, count, cancellationToken);
    return 0;
}

static async Task<int> MigrateAsync(DatabaseArguments database, CancellationToken cancellationToken)
{
    var (host, verified) = await MigrateCommand.RunAsync(Target(database), cancellationToken);
    await host.DisposeAsync();
    return verified ? 0 : 1;
}

static Task<int> SeedAsync(DatabaseArguments database, int users, CancellationToken cancellationToken) =>
    WithHostAsync(database, create: true, cancellationToken, async host =>
    {
        await SeedCommand.RunAsync(host, users, cancellationToken);
        return 0;
    });

static Task<int> MissionsAsync(DatabaseArguments database, int count, int seed, CancellationToken cancellationToken) =>
    WithHostAsync(database, create: false, cancellationToken, async host =>
    {
        await MissionsCommand.RunAsync(host, count, seed, cancellationToken);
        return 0;
    });

static Task<int> RotateAsync(DatabaseArguments database, string by, int? maxBatches, CancellationToken cancellationToken) =>
    WithHostAsync(database, create: false, cancellationToken, async host =>
        await RotateCommand.RunAsync(host, by, maxBatches, cancellationToken) is { Failed: > 0 } ? 1 : 0);

static async Task<int> WithHostAsync(DatabaseArguments database, bool create, CancellationToken cancellationToken, Func<SampleHost, Task<int>> run)
{
    await using var host = await SampleHost.StartAsync(Target(database), createIfMissing: create, cancellationToken);
    return await run(host);
}

static async Task<int> ServeAsync(DatabaseArguments database, string urls, CancellationToken cancellationToken)
{
    var target = Target(database);
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
static DatabaseTarget Target(DatabaseArguments database, string? dataFile = null)
{
    string file = dataFile ?? database.Db ?? Path.Combine("missionhost-data", "missionhost.db");
    var configuration = new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();
    // --postgres was checked when it was parsed; a connection string from the configuration is checked by DatabaseTarget.
    string? postgres = database.Postgres ?? configuration[SampleHost.PostgresKey];
    return string.IsNullOrWhiteSpace(postgres)
        ? DatabaseTarget.Sqlite(file)
        : DatabaseTarget.Postgres(postgres, Path.GetDirectoryName(Path.GetFullPath(file))!);
}

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
