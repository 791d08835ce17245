using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MissionHost.Hosting;

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
    string? Error,
    bool Pending = false,
    int Attempts = 0,
    DateTimeOffset? NextAttemptAt = null,
    bool RunningElsewhere = false,
    string? RunId = null)
{
    public static readonly ReencryptionStatus Idle = new(false, null, 0, 0, 0, 0, 0, null, null, null);
}

/// <summary>
/// Keeps every stored secret under the active key version, whatever happened: after a rotation, at start-up and
/// periodically it looks for profiles under an older version and re-encrypts them (resuming an unfinished run from its
/// checkpoint). A failure (the database busy, say) is shown in the status with its reason and retried with exponential
/// backoff; shutting down stops at a checkpoint. A rotation request holds the job until its re-encryption ends, so a
/// second request meanwhile is refused (409). On PostgreSQL every host joins the run and claims key ranges of it (a host
/// that dies leaves its range to the others when its lease runs out); on SQLite one runner at a time does the work: a
/// host that finds another running shows it and looks again soon, picking up from the shared checkpoint if that runner stops.
/// </summary>
internal sealed class ReencryptionJob(
    ProfileReencryption reencryption,
    VersionedEnvelope.KeyRingManager keyRing,
    TimeProvider timeProvider,
    ReencryptionSchedule schedule,
    ILogger<ReencryptionJob> logger) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    // Pending until the first check has run: before it, nobody knows whether stale secrets are waiting.
    private ReencryptionStatus _status = ReencryptionStatus.Idle with { Pending = true };
    private int _busy;
    private int _rotationPending;
    private long _activatesAtTicks;
    private ITimer? _activationWake;

    public ReencryptionStatus Status => Volatile.Read(ref _status);

    /// <summary>Claims the job for a rotation; false while another rotation or re-encryption is running.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>Gives the claim back when the rotation itself failed.</summary>
    public void Release() => Volatile.Write(ref _busy, 0);

    /// <summary>A rotation to this version happened: the re-encryption is pending and starts at once (the caller holds the claim).</summary>
    /// <remarks>
    /// A version that is pending (<c>VersionedEnvelope:KeyRing:ActivationDelay</c>) is re-encrypted to from its activation
    /// on: until then it does not encrypt, and the claim stays held so no second rotation starts meanwhile.
    /// </remarks>
    public void RotatedTo(int targetVersion, DateTimeOffset activatesAt)
    {
        var wait = activatesAt - timeProvider.GetUtcNow();
        Volatile.Write(ref _activatesAtTicks, activatesAt.UtcTicks);
        Volatile.Write(ref _rotationPending, 1);
        Volatile.Write(ref _status, Status with { Pending = true, TargetVersion = targetVersion, Error = null, Attempts = 0, NextAttemptAt = wait > TimeSpan.Zero ? activatesAt : null });
        WakeAfter(wait);
    }

    /// <summary>Wakes the job after <paramref name="wait"/> (at once when it is not positive).</summary>
    private void WakeAfter(TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            Interlocked.Exchange(ref _activationWake, timeProvider.CreateTimer(static state => ((ReencryptionJob)state!)._wake.Writer.TryWrite(true), this, wait, Timeout.InfiniteTimeSpan))?.Dispose();
        }
        else
        {
            _wake.Writer.TryWrite(true);
        }
    }

    public override void Dispose()
    {
        _activationWake?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = schedule.FirstRetry;
        int attempts = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan next;
            try
            {
                var outcome = await ConvergeAsync(stoppingToken);
                attempts = 0;
                delay = schedule.FirstRetry;
                if (outcome == Outcome.Ran)
                {
                    continue; // look again at once: a rotation may have happened meanwhile
                }

                // Another host's runner has the work: look again soon, to take over if it stops.
                next = outcome == Outcome.RunningElsewhere ? schedule.FirstRetry : schedule.CheckInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // shutting down: the checkpoint lets the next start resume
            }
            catch (Exception ex)
            {
                attempts++;
                next = delay;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, schedule.MaxRetry.Ticks));
                logger.LogError(ex, "Re-encryption failed (attempt {Attempt}); retrying in {Delay}.", attempts, next);
                Volatile.Write(ref _status, Status with
                {
                    Running = false,
                    Pending = true,
                    CompletedAt = timeProvider.GetUtcNow(),
                    Error = ex.GetBaseException().Message, // the database's own reason, not a wrapper's "see the inner exception"
                    Attempts = attempts,
                    NextAttemptAt = timeProvider.GetUtcNow() + next,
                });
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(next);
            try
            {
                await _wake.Reader.WaitToReadAsync(wait.Token);
                _wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The periodic check is due.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private enum Outcome
    {
        Idle,
        Ran,
        RunningElsewhere,
    }

    /// <summary>Re-encrypts whatever is not under the active version.</summary>
    private async Task<Outcome> ConvergeAsync(CancellationToken stoppingToken)
    {
        // A rotation's run uses the claim its request took. Otherwise the job looks first (reads only) and claims only
        // when there is work, so a check that finds nothing never turns a rotation request away with 409; while a
        // rotation request holds the claim it skips the round (that request wakes the job when its rotation is saved).
        long untilActive = Volatile.Read(ref _activatesAtTicks) - timeProvider.GetUtcNow().UtcTicks;
        if (untilActive > 0)
        {
            // A rotation's version is still pending: its run starts when it becomes active (a timer that fired a moment
            // early, or a periodic check, looks again then).
            WakeAfter(TimeSpan.FromTicks(untilActive) + TimeSpan.FromMilliseconds(1));
            return Outcome.Idle;
        }

        bool claimed = Interlocked.Exchange(ref _rotationPending, 0) == 1;
        ReencryptionStatus? finished = null;
        try
        {
            // Another host may have rotated since this one last refreshed: re-encrypting to an older version would undo its work.
            await keyRing.RefreshAsync(stoppingToken);
            int active = reencryption.ActiveVersion;
            var (resume, resumeAfter) = await reencryption.FindUnfinishedRunAsync(stoppingToken);
            if (!resume && await reencryption.CountStaleAsync(active, stoppingToken) == 0)
            {
                Volatile.Write(ref _status, Status with { Pending = false, RunningElsewhere = false, Error = null, Attempts = 0, NextAttemptAt = null });
                return Outcome.Idle;
            }

            if (!claimed && !(claimed = TryClaim()))
            {
                return Outcome.Idle;
            }

            await using (var runner = await reencryption.TryBecomeRunnerAsync(stoppingToken))
            {
                if (runner is null)
                {
                    Volatile.Write(ref _status, Status with { Running = false, Pending = true, RunningElsewhere = true, TargetVersion = active, Error = null });
                    return Outcome.RunningElsewhere;
                }

                // Read again as the runner: the previous runner may have finished or moved the checkpoint meanwhile.
                (resume, resumeAfter) = await reencryption.FindUnfinishedRunAsync(stoppingToken);
                if (!resume)
                {
                    if (await reencryption.CountStaleAsync(active, stoppingToken) == 0)
                    {
                        Volatile.Write(ref _status, Status with { Pending = false, RunningElsewhere = false, Error = null });
                        return Outcome.Idle;
                    }

                    resumeAfter = await reencryption.BeginAsync(active, stoppingToken);
                }

                finished = await RunAsync(active, resumeAfter, stoppingToken);
            }

            return finished.Rewrapped > 0 ? Outcome.Ran : Outcome.Idle;
        }
        finally
        {
            if (claimed)
            {
                Release();
            }

            // Shown as done only once the runner lock and the claim are free: whoever sees "done" can rotate at once.
            if (finished is not null)
            {
                Volatile.Write(ref _status, finished);
            }
        }
    }

    /// <summary>Runs the re-encryption, showing its progress; returns its final status for the caller to show.</summary>
    private async Task<ReencryptionStatus> RunAsync(int active, string? resumeAfter, CancellationToken stoppingToken)
    {
        long total = await reencryption.CountAfterAsync(resumeAfter, stoppingToken);
        var started = ReencryptionStatus.Idle with
        {
            Running = true,
            TargetVersion = active,
            Total = total,
            StartedAt = timeProvider.GetUtcNow(),
            RunId = reencryption.SharesRuns ? resumeAfter : null,
        };
        Volatile.Write(ref _status, started);
        var summary = await Task.Run(
            () => reencryption.RunAsync(
                resumeAfter,
                progress => Volatile.Write(ref _status, started with { Scanned = progress.Scanned, Rewrapped = progress.Rewrapped, Skipped = progress.Skipped, Failed = progress.Failed }),
                stoppingToken,
                schedule.Writers),
            stoppingToken);
        return started with
        {
            Running = false,
            Scanned = summary.Scanned,
            Rewrapped = summary.Rewrapped,
            Skipped = summary.Skipped,
            Failed = summary.Failed,
            CompletedAt = timeProvider.GetUtcNow(),
        };
    }
}

/// <summary>How often the job looks for stale secrets, how it backs off after a failure, and how many batches it writes at once.</summary>
internal sealed record ReencryptionSchedule(TimeSpan CheckInterval, TimeSpan FirstRetry, TimeSpan MaxRetry, int Writers);
