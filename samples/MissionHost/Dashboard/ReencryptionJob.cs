using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace MissionHost.Dashboard;

/// <summary>What the dashboard shows of the background re-encryption.</summary>
internal sealed record ReencryptionStatus(
    bool Running,
    int? TargetVersion,
    long Total,
    long Scanned,
    long Rewrapped,
    long Skipped,
    long Failed,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Error)
{
    public static readonly ReencryptionStatus Idle = new(false, null, 0, 0, 0, 0, 0, null, null, null);
}

/// <summary>
/// Re-encrypts stale profiles in the background after a rotation, one run at a time. A rotation request holds the job
/// from the rotation until the re-encryption ends, so a second request meanwhile is refused (409). On start it resumes
/// a run an earlier process left unfinished.
/// </summary>
internal sealed class ReencryptionJob(ProfileReencryption reencryption, TimeProvider timeProvider) : BackgroundService
{
    private readonly Channel<int> _requests = Channel.CreateUnbounded<int>();
    private ReencryptionStatus _status = ReencryptionStatus.Idle;
    private int _busy;

    public ReencryptionStatus Status => Volatile.Read(ref _status);

    /// <summary>Claims the job for a rotation; false while another rotation or re-encryption is running.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>Gives the claim back when the rotation itself failed.</summary>
    public void Release() => Volatile.Write(ref _busy, 0);

    /// <summary>Queues the re-encryption to a version just rotated to (the caller holds the claim).</summary>
    public void Start(int targetVersion)
    {
        reencryption.Begin(targetVersion);
        Volatile.Write(ref _status, ReencryptionStatus.Idle with { Running = true, TargetVersion = targetVersion, StartedAt = timeProvider.GetUtcNow() });
        _requests.Writer.TryWrite(targetVersion);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (reencryption.HasUnfinishedRun(out string? resumeAfter) && TryClaim())
            {
                var (target, _) = reencryption.ReadCheckpoint();
                Volatile.Write(ref _status, ReencryptionStatus.Idle with { Running = true, TargetVersion = target, StartedAt = timeProvider.GetUtcNow() });
                await RunAsync(resumeAfter, stoppingToken);
            }

            await foreach (int _ in _requests.Reader.ReadAllAsync(stoppingToken))
            {
                await RunAsync(null, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the checkpoint lets the next start resume.
        }
    }

    private async Task RunAsync(string? resumeAfter, CancellationToken stoppingToken)
    {
        var started = Status;
        try
        {
            long total = reencryption.CountAfter(resumeAfter);
            long scanned = 0, rewrapped = 0;
            Volatile.Write(ref _status, started with { Total = total });
            var summary = await Task.Run(
                () => reencryption.RunAsync(
                    resumeAfter,
                    batch =>
                    {
                        scanned += batch.Scanned;
                        rewrapped += batch.Changed.Count;
                        Volatile.Write(ref _status, started with { Total = total, Scanned = scanned, Rewrapped = rewrapped });
                    },
                    stoppingToken),
                stoppingToken);
            Volatile.Write(ref _status, started with
            {
                Running = false,
                Total = total,
                Scanned = summary.Scanned,
                Rewrapped = summary.Rewrapped,
                Skipped = summary.Skipped,
                Failed = summary.Failed,
                CompletedAt = timeProvider.GetUtcNow(),
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Volatile.Write(ref _status, Status with { Running = false, CompletedAt = timeProvider.GetUtcNow(), Error = ex.Message });
        }
        finally
        {
            Release();
        }
    }
}
