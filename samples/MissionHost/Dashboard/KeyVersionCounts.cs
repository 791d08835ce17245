using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MissionHost.Data;

namespace MissionHost.Dashboard;

/// <summary>
/// Profiles per key version for <c>/api/vault/status</c>: one indexed <c>GROUP BY keyVersion</c>, shared by every
/// request for <c>maxAge</c>. When the counts are older, the next request starts one refresh and every request answers
/// with the last counts meanwhile, so no poll waits on the query (only the very first one does). The counts are at
/// most <c>maxAge</c> plus one query old.
/// </summary>
internal sealed class KeyVersionCounts(IDbContextFactory<MissionDbContext> contexts, TimeProvider timeProvider, TimeSpan maxAge, ILogger<KeyVersionCounts> logger)
{
    private readonly Lock _gate = new();
    private Snapshot? _last;
    private Task<Snapshot>? _refreshing;

    public async ValueTask<IReadOnlyDictionary<int, long>> GetAsync(CancellationToken cancellationToken)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && timeProvider.GetElapsedTime(last.Taken) < maxAge)
        {
            return last.Counts;
        }

        Task<Snapshot> refresh;
        lock (_gate)
        {
            refresh = _refreshing ??= RefreshAsync();
        }

        return last is not null ? last.Counts : (await refresh.WaitAsync(cancellationToken)).Counts;
    }

    /// <summary>Forgets the counts, so the next request waits for fresh ones (after a rotation, for example).</summary>
    public void Invalidate() => Volatile.Write(ref _last, null);

    private async Task<Snapshot> RefreshAsync()
    {
        try
        {
            await using var context = await contexts.CreateDbContextAsync();
            long started = timeProvider.GetTimestamp();
            var counts = await context.CountByKeyVersionAsync<UserProfile>(p => p.ApiKey);
            var snapshot = new Snapshot(counts, started);
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

    private sealed record Snapshot(IReadOnlyDictionary<int, long> Counts, long Taken);
}
