using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VersionedEnvelope;

/// <summary>The key ring's hosted service on every host.</summary>
/// <remarks>
/// At start it loads the ring (as Data Protection's does), so the first encryption never waits for storage and a ring
/// that cannot be opened stops the host at start. Then it runs the automatic lifecycle: it sleeps until the next step
/// is due (a flush of use counts, the next rotation by age, the next retirement check), flushes, rotates when due,
/// retires what an inventory proves unused, and flushes once more at shutdown. Every host runs it; the store's
/// concurrency makes one of them rotate.
/// </remarks>
internal sealed class KeyRingLifecycle(
    KeyRingManager manager,
    IEnumerable<IKeyUsageSource> sources,
    TimeProvider timeProvider,
    ILogger<KeyRingLifecycle>? logger = null) : IHostedService, IDisposable
{
    /// <summary>The longest single sleep, so a far due time is re-read now and then (Task.Delay takes at most about 49 days).</summary>
    private static readonly TimeSpan LongestSleep = TimeSpan.FromDays(1);

    /// <summary>The shortest pause after a failed step.</summary>
    private static readonly TimeSpan FailurePause = TimeSpan.FromSeconds(5);

    private readonly IKeyUsageSource[] _sources = [.. sources];
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await manager.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var options = manager.Options;
        if (manager.UseCounter is not null || options.RotationPeriod > TimeSpan.Zero || options.RetireWhenUnused)
        {
            _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (manager.UseCounter is not null)
        {
            await StepAsync("use count flush", ct => manager.FlushUsesAsync(ct), cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(CancellationToken stopping)
    {
        var options = manager.Options;
        var now = timeProvider.GetUtcNow();
        DateTimeOffset? nextRetirementCheck = options.RetireWhenUnused ? now : null;
        var notBefore = now;
        while (!stopping.IsCancellationRequested)
        {
            now = timeProvider.GetUtcNow();
            var wakeAt = NextWake(now, nextRetirementCheck);
            if (wakeAt < notBefore)
            {
                wakeAt = notBefore;
            }

            if (wakeAt > now)
            {
                KeyRingLog.LifecycleSleeping(_logger, wakeAt);
                try
                {
                    await Task.Delay(Min(wakeAt - now, LongestSleep), timeProvider, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            bool succeeded = true;
            if (manager.UseCounter is not null)
            {
                succeeded &= await StepAsync("use count flush", ct => manager.FlushUsesAsync(ct), stopping).ConfigureAwait(false);
            }

            succeeded &= await StepAsync("rotation", ct => manager.RotateIfDueAsync(ct), stopping).ConfigureAwait(false);
            if (nextRetirementCheck is { } check && timeProvider.GetUtcNow() >= check)
            {
                await StepAsync("retirement", ct => manager.RetireUnusedAsync(_sources, ct), stopping).ConfigureAwait(false);
                nextRetirementCheck = timeProvider.GetUtcNow() + options.RetirementCheckInterval;
            }

            // A step that failed (the store unreachable or read-only) is tried again after a pause, not at once: a due
            // time in the past would otherwise wake the loop again immediately.
            notBefore = succeeded ? timeProvider.GetUtcNow() : timeProvider.GetUtcNow() + Max(options.UseFlushInterval, FailurePause);
        }
    }

    /// <summary>The earliest of: the next flush, the next rotation by age, the next retirement check.</summary>
    private DateTimeOffset NextWake(DateTimeOffset now, DateTimeOffset? nextRetirementCheck)
    {
        var options = manager.Options;
        var wake = now + (manager.UseCounter is not null ? options.UseFlushInterval : LongestSleep);
        if (KeyRingRules.NextRotationAt(manager.Current, manager.Policy) is { } due && due < wake)
        {
            wake = due;
        }

        return nextRetirementCheck is { } check && check < wake ? check : wake;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Runs one step; a failure is logged (and tried again at the step's next turn) and reported as false.</summary>
    private async Task<bool> StepAsync<T>(string step, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        try
        {
            await run(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return true;
        }
        catch (Exception ex)
        {
            KeyRingLog.LifecycleStepFailed(_logger, ex, step);
            return false;
        }
    }
}
