using System.Globalization;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost;

/// <summary>
/// <c>rotate --by NAME</c>: rotates the key ring, then re-encrypts every stale profile in batches, each batch and its
/// checkpoint in one transaction. Re-running it after an interruption resumes the unfinished re-encryption instead of
/// rotating again.
/// </summary>
internal static class RotateCommand
{
    /// <summary>Rotates (or resumes) and re-encrypts; <see langword="null"/> when it stopped on request (--max-batches).</summary>
    public static async Task<ReencryptionSummary?> RunAsync(SampleHost host, string rotatedBy, int? maxBatches, CancellationToken cancellationToken)
    {
        var job = host.Reencryption;
        if (job.HasUnfinishedRun(out string? resumeAfter))
        {
            AnsiConsole.MarkupLine($"Resuming the unfinished re-encryption to [bold]v{host.Encryptor.ActiveKeyVersion}[/] after profile {resumeAfter ?? "(start)"}.");
        }
        else
        {
            var rotation = await host.KeyRing.RotateAsync(rotatedBy, cancellationToken);
            AnsiConsole.MarkupLine($"Rotated: [bold]v{rotation.Version}[/] is active (by {Markup.Escape(rotation.RotatedBy)} at {Database.FormatTime(rotation.RotatedAt)}).");
            job.Begin(rotation.Version);
            resumeAfter = null;
        }

        long total = job.CountAfter(resumeAfter);
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
                        batch =>
                        {
                            task.Increment(batch.Scanned);
                            if (maxBatches is not null && ++batches >= maxBatches)
                            {
                                stop.Cancel();
                            }
                        },
                        stop.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Stopped on purpose (--max-batches): what was saved stays saved, the checkpoint says where to resume.
                }
            });

        if (summary is null)
        {
            // A requested stop is not an error: exit 0, and say how to finish.
            AnsiConsole.MarkupLine($"Stopped as asked after {batches} batches, at profile {job.ReadCheckpoint().LastId}. Run 'rotate' again to resume from there.");
            return null;
        }

        AnsiConsole.MarkupLine($"Re-encrypted [bold]{summary.Rewrapped:N0}[/], skipped {summary.Skipped:N0} already current, {summary.Failed} failed, in {summary.Elapsed.TotalSeconds:F2} s ({summary.Scanned / Math.Max(summary.Elapsed.TotalSeconds, 1e-9):N0} profiles/s).");
        foreach (var failure in summary.Failures.Take(10))
        {
            AnsiConsole.MarkupLine($"[red]  profile {failure.Id}: {failure.Reason}[/]");
        }

        return summary;
    }
}
