using Microsoft.Extensions.Configuration;
using MissionHost.Data;
using MissionHost.Keys;
using Npgsql;
using Spectre.Console;

namespace MissionHost.Commands;

/// <summary>
/// What the default flow prints at its end: the exact commands that go on with the same data, whose key ring only opens
/// with the protection the flow used (the development root key beside the database, the same environment, or the token).
/// </summary>
internal static class ContinueWith
{
    public static void Print(DatabaseTarget target, IConfiguration configuration)
    {
        string data = $"--db {Quote(target.Paths.Database)}";
        if (target.PostgresConnectionString is { } connection)
        {
            // The password stays out of the output: Npgsql reads it from PGPASSWORD when the string has none.
            var builder = new NpgsqlConnectionStringBuilder(connection);
            builder.Remove("Password");
            data = $"--postgres {Quote(builder.ConnectionString)} {data}";
        }

        var protection = KeyProtectionSource.Read(configuration);
        string variable = KeyProtectionSource.RootKeyVariable(configuration);
        string how = protection.IsPkcs11
            ? "with MissionHost__KeyProtection=pkcs11 and the same MissionHost__Pkcs11__* settings (the ring opens only with the token)"
            : !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable))
                ? $"with the same {variable} in the environment"
                : $"the key ring opens with the development root key {target.Paths.DevelopmentRootKey}, found through --db";
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]Continue with the same data[/] ({Markup.Escape(how)}):");
        foreach (string command in new[] { "verify", "serve", "rotate --by you@example.com" })
        {
            // Plain lines, never wrapped to the terminal's width, so they can be copied (and read by scripts) whole.
            Console.Out.WriteLine($"  dotnet run --project samples/MissionHost -- {command} {data}");
        }

        if (target.PostgresConnectionString is not null && new NpgsqlConnectionStringBuilder(target.PostgresConnectionString).Password is not null)
        {
            AnsiConsole.MarkupLine("  [grey](set PGPASSWORD to the database password first)[/]");
        }
    }

    private static string Quote(string value) => value.Contains(' ', StringComparison.Ordinal) || value.Contains(';', StringComparison.Ordinal) ? $"\"{value}\"" : value;
}
