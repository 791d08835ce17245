using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost;

/// <summary><c>seed --users N</c>: profiles added through EF Core, whose API keys the encrypted property stores as VE1.</summary>
internal static class SeedCommand
{
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
