using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using MissionHost.Hosting;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost.Commands;

/// <summary>
/// <c>rotate --by NAME</c>: rotates the key ring, then re-encrypts every stale profile (legacy ones included) in
/// batches, each batch and its checkpoint in one transaction. Re-running it after an interruption resumes the
/// unfinished re-encryption instead of rotating again.
/// </summary>
internal static class RotateCommand
{
    /// <summary><c>rotate --by NAME</c>: its options, and the work it hands to Program.</summary>
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command("rotate", "Rotate the key ring, then re-encrypt every stale profile; interrupted, running it again resumes from the checkpoint.");
        var database = CommandLine.Database(command);
        var by = CommandLine.Add(command, new Option<string>("--by") { Description = "Who rotates (recorded in the audit trail).", HelpName = "NAME", Required = true });
        var maxBatches = CommandLine.Add(command, CommandLine.Number("--max-batches", "N", "Stop after N batches, to show that running it again resumes.", min: 1));
        command.SetAction(r => choose(ct => database.Bind(r).WithHostAsync(createIfMissing: false, ct, async host =>
            await RunAsync(host, r.GetRequiredValue(by), r.GetValue(maxBatches), ct) is { Failed: > 0 } ? 1 : 0)));
        return command;
    }

    /// <summary>Rotates (or resumes) and re-encrypts; <see langword="null"/> when it stopped on request (--max-batches) or another host runs the re-encryption.</summary>
    public static async Task<ReencryptionSummary?> RunAsync(SampleHost host, string rotatedBy, int? maxBatches, CancellationToken cancellationToken)
    {
        var job = host.Reencryption;
        var (unfinished, resumeAfter) = await job.FindUnfinishedRunAsync(cancellationToken);
        if (unfinished)
        {
            AnsiConsole.MarkupLine(job.SharesRuns
                ? $"Resuming the unfinished re-encryption to [bold]v{host.Encryptor.ActiveKeyVersion}[/] (the shared run's ranges keep its progress)."
                : $"Resuming the unfinished re-encryption to [bold]v{host.Encryptor.ActiveKeyVersion}[/] after profile {resumeAfter ?? "(start)"}.");
        }
        else
        {
            var rotation = await host.KeyRing.RotateAsync(rotatedBy, cancellationToken);
            AnsiConsole.MarkupLine($"Rotated: [bold]v{rotation.Version}[/] is active (by {Markup.Escape(rotation.RotatedBy)} at {TimeFormat.Format(rotation.RotatedAt)}).");
            resumeAfter = await job.BeginAsync(rotation.Version, cancellationToken);
        }

        await using var runner = await job.TryBecomeRunnerAsync(cancellationToken);
        if (runner is null)
        {
            AnsiConsole.MarkupLine("Another host is re-encrypting now; it moves every profile to the active version (its dashboard shows the progress).");
            return null;
        }

        long total = await job.CountAfterAsync(resumeAfter, cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int batches = 0;
        ReencryptionSummary? summary = null;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Re-encrypting profiles to v{host.Encryptor.ActiveKeyVersion}", maxValue: Math.Max(1, total));
                try
                {
                    summary = await job.RunAsync(
                        resumeAfter,
                        progress =>
                        {
                            task.Value = progress.Scanned;
                            if (maxBatches is not null && ++batches >= maxBatches)
                            {
                                stop.Cancel();
                            }
                        },
                        stop.Token);
                    task.Value = task.MaxValue;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Stopped on purpose (--max-batches): what was saved stays saved, the checkpoint says where to resume.
                }
            });

        if (summary is null)
        {
            // A requested stop is not an error: exit 0, and say how to finish.
            var (_, lastId) = await job.ReadCheckpointAsync(cancellationToken);
            AnsiConsole.MarkupLine(job.SharesRuns
                ? $"Stopped as asked after {batches} batches; the shared run's ranges keep their progress. Run 'rotate' again to resume it."
                : $"Stopped as asked after {batches} batches, at profile {lastId ?? "(start)"}. Run 'rotate' again to resume from there.");
            return null;
        }

        AnsiConsole.MarkupLine($"Re-encrypted [bold]{summary.Rewrapped:N0}[/], skipped {summary.Skipped:N0} already current, {summary.Failed} failed, in {summary.Elapsed.TotalSeconds:F2} s ({summary.Scanned / Math.Max(summary.Elapsed.TotalSeconds, 1e-9):N0} profiles/s).");
        foreach (var failure in summary.Failures.Take(10))
        {
            AnsiConsole.MarkupLine($"[red]  profile {failure.Id}: {failure.Reason}[/]");
        }

        await ShowRetirementAsync(host, cancellationToken);
        return summary;
    }

    /// <summary>
    /// Takes the inventory automatic retirement uses (every encrypted column, counted in SQL) and retires what it proves
    /// unused; a version it keeps is shown with the reason. The hosted service repeats this every RetirementCheckInterval.
    /// </summary>
    private static async Task ShowRetirementAsync(SampleHost host, CancellationToken cancellationToken)
    {
        var retired = await host.KeyRing.RetireUnusedAsync(host.Services.GetServices<IKeyUsageSource>(), cancellationToken);
        foreach (int version in retired)
        {
            var evidence = host.KeyRing.Current.History.Last(e => e.Version == version && e.Kind == KeyRingEventKind.Retired).Evidence;
            AnsiConsole.MarkupLine($"Retired [bold]v{version}[/] automatically: {Markup.Escape(evidence ?? "")}.");
        }

        var status = await host.KeyRing.GetStatusAsync(cancellationToken);
        foreach (var version in status.Versions.Where(v => v.RetirementBlockedBy is not null && v.State == KeyState.DecryptOnly))
        {
            AnsiConsole.MarkupLine($"Kept [bold]v{version.Version}[/] for now: {Markup.Escape(version.RetirementBlockedBy!)}.");
        }
    }
}
