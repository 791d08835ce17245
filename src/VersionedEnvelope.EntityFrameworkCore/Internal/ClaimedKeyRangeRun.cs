using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>One host's part in a re-encryption run shared by claimed key ranges (PostgreSQL).</summary>
/// <remarks>
/// The ranges live in a table: the first host to join plans them (under a transaction-scoped advisory lock, so hosts
/// joining at once plan once); each worker claims the next free or expired range with <c>FOR UPDATE SKIP LOCKED</c> and
/// runs the ordinary pipeline over it. Every batch's transaction also moves the range's checkpoint and heartbeat,
/// fenced by the claim's token: a host whose range was taken over after its lease ran out cannot commit into it. The
/// last batch marks the range done.
/// </remarks>
internal sealed class ClaimedKeyRangeRun
{
    private const string Pending = ClaimedKeyRangeTable.Pending;
    private const string Claimed = ClaimedKeyRangeTable.Claimed;
    private const string Done = ClaimedKeyRangeTable.Done;

    /// <summary>The longest a worker waits before it looks again for a range to claim or for the run's end.</summary>
    private static readonly TimeSpan MaxClaimWait = TimeSpan.FromMilliseconds(500);

    private readonly EncryptedTableMap _map;
    private readonly RowRewrite _rewrite;
    private readonly EntityReencryptionOptions _options;
    private readonly ClaimedKeyRangeOptions _ranges;
    private readonly long _started;
    private readonly object _gate = new();
    private readonly List<ReencryptionFailure> _failures = [];
    private readonly Dictionary<int, ReencryptionProgress> _inProgress = [];
    private long _scanned;
    private long _rewrapped;
    private long _skipped;
    private string? _table;

    public ClaimedKeyRangeRun(EncryptedTableMap map, RowRewrite rewrite, EntityReencryptionOptions options, ClaimedKeyRangeOptions ranges)
    {
        Shared.OptionsValidation.ThrowIfInvalid(new EntityReencryptionOptionsValidator(), options, nameof(options));
        // The range table's SQL is PostgreSQL's (make_interval, hashtext, uuid); SKIP LOCKED is what it needs of the dialect.
        if (map.Dialect != SqlDialect.PostgreSql)
        {
            throw new NotSupportedException(
                "Claimed key ranges need PostgreSQL (FOR UPDATE SKIP LOCKED); elsewhere run ReencryptAsync without them, on one host.");
        }

        if (options.ResumeAfter is not null || options.SaveCheckpointAsync is not null)
        {
            throw new ArgumentException(
                "A run shared by claimed key ranges keeps a checkpoint per range: leave ResumeAfter and SaveCheckpointAsync unset.", nameof(options));
        }

        _map = map;
        _rewrite = rewrite;
        _options = options;
        _ranges = ranges;
        _started = options.TimeProvider.GetTimestamp();
    }

    /// <summary>Plans the run when no host has, then works ranges with MaxDegreeOfParallelism workers until every range is done.</summary>
    public async Task<ReencryptionSummary> RunAsync(Func<CancellationToken, Task<DbContext>> createContext, CancellationToken cancellationToken)
    {
        var context = await createContext(cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            _table = Delimit(context, _ranges.TableName);
            await ClaimedKeyRangeTable.PlanAsync(context, _table, _map, _rewrite, _ranges, cancellationToken).ConfigureAwait(false);
        }

        var workers = Enumerable.Range(0, _options.MaxDegreeOfParallelism)
            .Select(_ => Task.Run(() => WorkAsync(createContext, cancellationToken), CancellationToken.None));
        await Task.WhenAll(workers).ConfigureAwait(false);
        lock (_gate)
        {
            return new ReencryptionSummary(_scanned, _rewrapped, _skipped, [.. _failures], Elapsed(), null, _rewrite.TargetVersion);
        }
    }

    private TimeSpan Elapsed() => _options.TimeProvider.GetElapsedTime(_started);

    /// <summary>One worker: claims ranges and works each, waiting for a lease to run out while other hosts hold the rest.</summary>
    private async Task WorkAsync(Func<CancellationToken, Task<DbContext>> createContext, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var context = await createContext(cancellationToken).ConfigureAwait(false);
            Claim? claim;
            TimeSpan? wait = null;
            await using (context.ConfigureAwait(false))
            {
                claim = await TryClaimAsync(context, cancellationToken).ConfigureAwait(false);
                if (claim is null && (wait = await UntilClaimableAsync(context, cancellationToken).ConfigureAwait(false)) is null)
                {
                    return; // every range is done
                }
            }

            if (claim is null)
            {
                await Task.Delay(wait!.Value, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await WorkRangeAsync(claim, createContext, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Claim?> TryClaimAsync(DbContext context, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        return await ContextCommand.RunAsync(
            context,
            async command =>
            {
                // A pending range, or one whose host has sent no heartbeat for a lease: SKIP LOCKED lets hosts claim side by side.
                command.CommandText = $"""
                    UPDATE {_table} SET state = '{Claimed}', owner = @host, claim_token = @token, heartbeat = now(), claims = claims + 1
                    WHERE run_id = @run AND range_no = (
                        SELECT range_no FROM {_table}
                        WHERE run_id = @run AND (state = '{Pending}' OR (state = '{Claimed}' AND heartbeat < now() - make_interval(secs => @lease)))
                        ORDER BY range_no LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING range_no, after_key, last_key, checkpoint
                    """;
                ContextCommand.Parameter(command, "@host", _ranges.HostId);
                ContextCommand.Parameter(command, "@token", token);
                ContextCommand.Parameter(command, "@run", _ranges.RunId);
                ContextCommand.Parameter(command, "@lease", _ranges.LeaseDuration.TotalSeconds);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerLifetime = reader.ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
                return new Claim(reader.GetInt32(0), token, Text(1), Text(2), Text(3));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How long to wait before trying to claim again; <see langword="null"/> when every range is done.</summary>
    private async Task<TimeSpan?> UntilClaimableAsync(DbContext context, CancellationToken cancellationToken)
    {
        return await ContextCommand.RunAsync(
            context,
            async command =>
            {
                command.CommandText = $"""
                    SELECT count(*) FILTER (WHERE state <> '{Done}'),
                           EXTRACT(EPOCH FROM min(heartbeat) FILTER (WHERE state = '{Claimed}') + make_interval(secs => @lease) - now())::float8
                    FROM {_table} WHERE run_id = @run
                    """;
                ContextCommand.Parameter(command, "@run", _ranges.RunId);
                ContextCommand.Parameter(command, "@lease", _ranges.LeaseDuration.TotalSeconds);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerLifetime = reader.ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (reader.GetInt64(0) == 0)
                {
                    return (TimeSpan?)null;
                }

                // Other workers hold the rest: look again when the earliest lease runs out (a host that died leaves its range
                // then), and meanwhile every half second, so a worker learns soon that the last ranges are done.
                double seconds = reader.IsDBNull(1) ? 0 : reader.GetDouble(1);
                return TimeSpan.FromSeconds(Math.Clamp(seconds, 0.05, MaxClaimWait.TotalSeconds));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the pipeline over one claimed range, with a heartbeat beside it; a claim lost to another host ends it quietly.</summary>
    private async Task WorkRangeAsync(Claim claim, Func<CancellationToken, Task<DbContext>> createContext, CancellationToken cancellationToken)
    {
        var options = new EntityReencryptionOptions
        {
            BatchSize = _options.BatchSize,
            VerifyHeaders = _options.VerifyHeaders,
            ResumeAfter = claim.Checkpoint ?? claim.After,
            OnBatchAsync = _options.OnBatchAsync,
            Progress = new InlineProgress(progress => Reported(claim.Range, progress)),
            Dialect = _options.Dialect,
            BeforeWriteBatch = _options.BeforeWriteBatch,
            BeforeBatchTransaction = _options.BeforeBatchTransaction,
        };
        var run = new EntityReencryptionRun(_map, _rewrite, options, claim.Last, (context, commit, token) => CommitAsync(context, claim, commit, token));
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopHeartbeat = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(claim, createContext, lost, stopHeartbeat.Token);
        try
        {
            var context = await createContext(lost.Token).ConfigureAwait(false);
            await using (context.ConfigureAwait(false))
            {
                await run.RunAsync(context, lost.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is ClaimLostException || lost.IsCancellationRequested))
        {
            // Another host claimed the range after this one's lease ran out: it resumes from the range's checkpoint, and this
            // host's uncommitted batch was rolled back.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped on purpose: the range goes back at once rather than when the lease runs out. (A host that dies cannot
            // do this; a failure other than a stop leaves the range to its lease too, so a failing range is not retried hot.)
            await ReleaseAsync(claim, createContext).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            var summary = run.Summary();
            lock (_gate)
            {
                _inProgress.Remove(claim.Range);
                _scanned += summary.Scanned;
                _rewrapped += summary.Rewrapped;
                _skipped += summary.Skipped;
                _failures.AddRange(summary.Failures);
            }
        }
    }

    /// <summary>In the batch's transaction: the range's checkpoint, heartbeat and count, and done with its last batch; fenced by the claim.</summary>
    private async Task CommitAsync(DbContext context, Claim claim, EntityReencryptionRun.BatchCommit commit, CancellationToken cancellationToken)
    {
        int updated = await ContextCommand.RunAsync(
            context,
            command =>
            {
                command.CommandText = $"""
                    UPDATE {_table} SET checkpoint = coalesce(@checkpoint, checkpoint), heartbeat = now(), rewrapped = rewrapped + @rewritten,
                        state = CASE WHEN @last THEN '{Done}' ELSE state END
                    WHERE run_id = @run AND range_no = @range AND claim_token = @token AND state = '{Claimed}'
                    """;
                ContextCommand.Parameter(command, "@checkpoint", commit.LastKey.Length == 0 ? null : commit.LastKey, System.Data.DbType.String);
                ContextCommand.Parameter(command, "@rewritten", (long)commit.Rewritten);
                ContextCommand.Parameter(command, "@last", commit.Last);
                ContextCommand.Parameter(command, "@run", _ranges.RunId);
                ContextCommand.Parameter(command, "@range", claim.Range);
                ContextCommand.Parameter(command, "@token", claim.Token);
                return command.ExecuteNonQueryAsync(cancellationToken);
            },
            cancellationToken).ConfigureAwait(false);
        if (updated != 1)
        {
            throw new ClaimLostException();
        }
    }

    /// <summary>Gives a claimed range back (pending, its checkpoint kept); best effort, as the lease covers a failure.</summary>
    private async Task ReleaseAsync(Claim claim, Func<CancellationToken, Task<DbContext>> createContext)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var context = await createContext(timeout.Token).ConfigureAwait(false);
            await using (context.ConfigureAwait(false))
            {
                await ContextCommand.RunAsync(
                    context,
                    command =>
                    {
                        command.CommandText = $"""
                            UPDATE {_table} SET state = '{Pending}', owner = NULL, claim_token = NULL
                            WHERE run_id = @run AND range_no = @range AND claim_token = @token AND state = '{Claimed}'
                            """;
                        ContextCommand.Parameter(command, "@run", _ranges.RunId);
                        ContextCommand.Parameter(command, "@range", claim.Range);
                        ContextCommand.Parameter(command, "@token", claim.Token);
                        return command.ExecuteNonQueryAsync(timeout.Token);
                    },
                    timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is DbException or OperationCanceledException)
        {
            // The lease gives the range back instead.
        }
    }

    /// <summary>Renews the claim every third of the lease while the range is worked; a claim found taken cancels the work.</summary>
    private async Task HeartbeatAsync(Claim claim, Func<CancellationToken, Task<DbContext>> createContext, CancellationTokenSource lost, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_ranges.LeaseDuration / 3, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    var context = await createContext(stop).ConfigureAwait(false);
                    await using (context.ConfigureAwait(false))
                    {
                        int renewed = await ContextCommand.RunAsync(
                            context,
                            command =>
                            {
                                command.CommandText = $"""
                                    UPDATE {_table} SET heartbeat = now()
                                    WHERE run_id = @run AND range_no = @range AND claim_token = @token AND state = '{Claimed}'
                                    """;
                                ContextCommand.Parameter(command, "@run", _ranges.RunId);
                                ContextCommand.Parameter(command, "@range", claim.Range);
                                ContextCommand.Parameter(command, "@token", claim.Token);
                                return command.ExecuteNonQueryAsync(stop);
                            },
                            stop).ConfigureAwait(false);
                        if (renewed == 0)
                        {
                            await lost.CancelAsync().ConfigureAwait(false);
                            return;
                        }
                    }
                }
                catch (DbException)
                {
                    // A failed heartbeat is tried again at the next tick; every committed batch renews the claim too.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The range's work ended.
        }
    }

    private void Reported(int range, ReencryptionProgress progress)
    {
        if (_options.Progress is not { } report)
        {
            return;
        }

        lock (_gate)
        {
            _inProgress[range] = progress;
            long scanned = _scanned, rewrapped = _rewrapped, skipped = _skipped, failed = _failures.Count;
            foreach (var current in _inProgress.Values)
            {
                scanned += current.Scanned;
                rewrapped += current.Rewrapped;
                skipped += current.Skipped;
                failed += current.Failed;
            }

            report.Report(new ReencryptionProgress(scanned, rewrapped, skipped, failed, Elapsed(), null));
        }
    }

    private static string Delimit(DbContext context, string name) => context.GetService<ISqlGenerationHelper>().DelimitIdentifier(name);

    /// <summary>A range this host holds: its number, the claim's fencing token, its bounds and checkpoint.</summary>
    private sealed record Claim(int Range, Guid Token, string? After, string? Last, string? Checkpoint);

    /// <summary>The range's claim went to another host: the batch's transaction rolls back.</summary>
    private sealed class ClaimLostException() : Exception("The key range was claimed by another host after this host's lease ran out.");

    private sealed class InlineProgress(Action<ReencryptionProgress> report) : IProgress<ReencryptionProgress>
    {
        public void Report(ReencryptionProgress value) => report(value);
    }
}
