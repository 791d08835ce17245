using Microsoft.Data.Sqlite;
using MissionHost.Commands;
using MissionHost.Dashboard;
using MissionHost.Hosting;
using Spectre.Console;
using VersionedEnvelope;
using VersionedEnvelope.Storage;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// System.CommandLine parses, answers --help and --version, and binds the chosen command's typed values (Commands/, one
// class a command; the default flow is DefaultCommand). Every argument is checked before a command touches the database
// or the key ring, so a bad one changes nothing; the chosen command's work runs below, its errors mapped to exit codes.
Func<CancellationToken, Task<int>>? chosen = null;
var parsed = CommandLine.Build(run => chosen = run).Parse(args);
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
catch (ConfigurationException ex)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
    return 2;
}
catch (Exception ex) when (Describe(ex) is { } message)
{
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
    return 1;
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
