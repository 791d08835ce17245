using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Keys;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost.Commands;

/// <summary><c>seed --users N</c>: profiles added through EF Core, whose API keys the encrypted property stores as VE1.</summary>
internal static class SeedCommand
{
    /// <summary><c>seed</c>: its options, and the work it hands to Program.</summary>
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command("seed", "Add user profiles whose API keys are encrypted (migrates a new database first).");
        var database = CommandLine.Database(command);
        var users = CommandLine.Add(command, CommandLine.Users());
        command.SetAction(r => choose(ct => database.Bind(r).WithHostAsync(createIfMissing: true, ct, async host =>
        {
            await RunAsync(host, r.GetValue(users), ct);
            return 0;
        })));
        return command;
    }

    private const int BatchSize = 2000;

    public static async Task RunAsync(SampleHost host, int users, CancellationToken cancellationToken)
    {
        string history = RotationHistoryJson.Write(host.KeyRing.GetRotationHistory());
        int version = host.Encryptor.ActiveKeyVersion;
        long first;
        await using (var context = host.CreateContext())
        {
            first = (await context.UserProfiles.MaxAsync(p => (long?)p.Id, cancellationToken) ?? 0) + 1;
        }

        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"Encrypting {users:N0} API keys under v{version}", maxValue: users);
                for (long start = first; start < first + users; start += BatchSize)
                {
                    long end = Math.Min(first + users, start + BatchSize);
                    await using var context = host.CreateContext();
                    for (long n = start; n < end; n++)
                    {
                        string email = SampleSecrets.Email(n);
                        context.UserProfiles.Add(new UserProfile { Email = email, ApiKey = SampleSecrets.ApiKey(email), KeyRotationHistory = history });
                    }

                    // The save encrypts each API key and sets keyVersion from the header it wrote.
                    await context.SaveChangesAsync(cancellationToken);
                    task.Increment(end - start);
                }
            });

        AnsiConsole.MarkupLine($"Seeded [bold]{users:N0}[/] profiles; API keys stored as [bold]ve1:v{version}:…[/].");
    }
}
