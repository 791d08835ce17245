using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MissionHost.Data;

namespace MissionHost.Dashboard;

/// <summary>
/// Profiles per key version for <c>/api/vault/status</c>: one indexed <c>GROUP BY keyVersion</c>, shared by every
/// request for <c>maxAge</c>. When the counts are older, the next request starts one refresh and every request answers
/// with the last counts meanwhile, so a poll does not wait on the query (only the first one, and one asking for counts
/// newer than an event, do). The counts are at most <c>maxAge</c> plus one query old.
/// </summary>
internal sealed class KeyVersionCounts(IDbContextFactory<MissionDbContext> contexts, TimeProvider timeProvider, TimeSpan maxAge, ILogger<KeyVersionCounts> logger)
{
    private readonly Lock _gate = new();
    private Snapshot? _last;
    private Task<Snapshot>? _refreshing;

    /// <summary>The counts; with <paramref name="takenAfter"/>, counts from a query that started after that time (after a re-encryption ended, say).</summary>
    public async ValueTask<IReadOnlyDictionary<int, long>> GetAsync(DateTimeOffset? takenAfter, CancellationToken cancellationToken)
    {
        while (true)
        {
            var last = Volatile.Read(ref _last);
            if (last is not null && (takenAfter is null || last.StartedAt > takenAfter))
            {
                if (timeProvider.GetUtcNow() - last.StartedAt >= maxAge)
                {
                    // Nobody waits for this one: its failure is logged in RefreshAsync, and observed here.
                    _ = StartRefresh().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                return last.Counts;
            }

            var fresh = await StartRefresh().WaitAsync(cancellationToken);
            if (takenAfter is null || fresh.StartedAt > takenAfter)
            {
                return fresh.Counts;
            }
        }
    }

    private Task<Snapshot> StartRefresh()
    {
        lock (_gate)
        {
            return _refreshing ??= RefreshAsync();
        }
    }

    private async Task<Snapshot> RefreshAsync()
    {
        try
        {
            await Task.Yield(); // the caller's lock is released before the query starts
            var started = timeProvider.GetUtcNow();
            await using var context = await contexts.CreateDbContextAsync();
            var snapshot = new Snapshot(await context.CountByKeyVersionAsync<UserProfile>(p => p.ApiKey), started);
            Volatile.Write(ref _last, snapshot);
            return snapshot;
        }
        catch (Exception ex)
        {
            // A request that had counts to answer with does not see this; the next one after it tries again.
            logger.LogWarning(ex, "Counting profiles per key version failed.");
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _refreshing = null;
            }
        }
    }

    private sealed record Snapshot(IReadOnlyDictionary<int, long> Counts, DateTimeOffset StartedAt);
}
