using System.ComponentModel;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;
using VersionedEnvelope.Reencryption.Internal;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// One pass over a table in SQL, on the core package's re-encryption pipeline (which orders checkpoints, counts
/// progress and collects failures).
/// </summary>
/// <remarks>
/// Pages by keyset (<see cref="ReencryptionPageQuery"/>), each row's new values from the pass's <see
/// cref="RowRewrite"/> (re-encryption, or a blind index backfill), each batch written in one transaction by the
/// dialect's update form (<see cref="IRowUpdateStrategy"/>), which applies only where the row still holds what was
/// read: a value the application changed meanwhile is counted as skipped and the next pass sees it.
/// </remarks>
internal sealed class EntityReencryptionRun : ReencryptionPipeline<List<StoredRow>>
{
    /// <summary>Rows per update statement: small enough that rewrapping the next chunk overlaps the database's work on this one.</summary>
    private const int RowsPerUpdate = 1_000;
    private readonly EncryptedTableMap _map;
    private readonly RowRewrite _rewrite;
    private readonly EntityReencryptionOptions _options;
    private readonly int _active;
    private readonly ReencryptionPageQuery _pages;
    private readonly IRowUpdateStrategy _update;

    /// <summary>
    /// Runs in each batch's transaction after its update, given how many rows it rewrote, the batch's last key and
    /// whether the run's reading has ended with it.
    /// </summary>
    /// <remarks>
    /// A claimed key range saves its checkpoint and heartbeat there, fenced by its claim.
    /// </remarks>
    private readonly Func<DbContext, BatchCommit, CancellationToken, Task>? _inBatchTransaction;

    /// <summary>The context pages are read with (and, with one writer, batches written with).</summary>
    private DbContext? _reader;

    /// <summary>With several writers: a new context for each batch.</summary>
    private Func<CancellationToken, Task<DbContext>>? _createContext;

    /// <summary>The last key read so far: the next page starts after it.</summary>
    private object? _after;

    public EntityReencryptionRun(
        EncryptedTableMap map,
        RowRewrite rewrite,
        EntityReencryptionOptions options,
        string? upTo = null,
        Func<DbContext, BatchCommit, CancellationToken, Task>? inBatchTransaction = null)
        : base(
            Shared.OptionsValidation.ThrowIfInvalid(new EntityReencryptionOptionsValidator(), options, nameof(options)).BatchSize,
            options.MaxDegreeOfParallelism,
            options.ResumeAfter,
            options.Progress,
            options.TimeProvider)
    {
        _map = map;
        _rewrite = rewrite;
        _options = options;
        _active = rewrite.TargetVersion;
        _after = ParseCheckpoint(options.ResumeAfter);
        _inBatchTransaction = inBatchTransaction;

        // upTo: the last key a run over one claimed key range reads (inclusive); null reads to the table's end.
        var dialect = options.Dialect ?? map.Dialect;
        _pages = new ReencryptionPageQuery(map, rewrite, dialect, options.BatchSize, ParseCheckpoint(upTo));
        _update = dialect.UpdateStrategy(new UpdateSqlParts(map, rewrite.Columns, _active, dialect));
    }

    /// <summary>What a batch's transaction commits with: rows rewritten, the batch's last key, and whether it ends the run.</summary>
    internal readonly record struct BatchCommit(int Rewritten, string LastKey, bool Last);

    protected override int TargetVersion => _active;

    /// <summary>Reads and writes with one context, one batch after another.</summary>
    public Task<ReencryptionSummary> RunAsync(DbContext context, CancellationToken cancellationToken)
    {
        if (Writers > 1)
        {
            throw new InvalidOperationException("MaxDegreeOfParallelism above 1 needs a context per batch: call ReencryptAsync on an IDbContextFactory.");
        }

        _reader = context;
        return RunAsync(cancellationToken);
    }

    /// <summary>Reads with one context and writes each batch with a new one, up to MaxDegreeOfParallelism at once.</summary>
    public async Task<ReencryptionSummary> RunAsync(Func<CancellationToken, Task<DbContext>> createContext, CancellationToken cancellationToken)
    {
        var reader = await createContext(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            _reader = reader;
            _createContext = Writers > 1 ? createContext : null;
            return await RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async ValueTask<List<StoredRow>> ReadPageAsync(CancellationToken cancellationToken)
    {
        var page = await _pages.ReadAsync(_reader!, _after, cancellationToken).ConfigureAwait(false);
        if (page.Count > 0)
        {
            _after = page[^1].Key;
        }

        return page;
    }

    protected override int CountOf(List<StoredRow> page) => page.Count;

    protected override string LastKeyOf(List<StoredRow> page) => KeyText(page[^1].Key);

    protected override async ValueTask<ReencryptionBatchOutcome> WriteBatchAsync(
        List<StoredRow> page, ReencryptionBatchInfo batch, CancellationToken cancellationToken)
    {
        if (_createContext is null)
        {
            return await WriteBatchAsync(_reader!, batch, page, cancellationToken).ConfigureAwait(false);
        }

        var context = await _createContext(cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            return await WriteBatchAsync(context, batch, page, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// When reading ended on an empty page (the last batch was full, or nothing was stale), the batch hook still hears
    /// that the run ended.
    /// </summary>
    /// <remarks>
    /// Then the final checkpoint is saved once more, in a transaction of its own: batches that committed out of order
    /// each saved an earlier one, so without this a host that records progress would never see the end.
    /// </remarks>
    protected override async ValueTask OnEndedAsync(string? checkpoint, bool endedOnEmptyPage, CancellationToken cancellationToken)
    {
        if (endedOnEmptyPage && _inBatchTransaction is { } hook)
        {
            await InTransactionAsync(
                context => hook(context, new BatchCommit(0, checkpoint ?? "", Last: true), cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        if (_options.SaveCheckpointAsync is { } save && checkpoint is not null)
        {
            await InTransactionAsync(context => save(context, checkpoint, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task InTransactionAsync(Func<DbContext, Task> work, CancellationToken cancellationToken)
    {
        var context = _createContext is null ? _reader! : await _createContext(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await work(context).ConfigureAwait(false);
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            if (_createContext is not null)
            {
                await context.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<ReencryptionBatchOutcome> WriteBatchAsync(
        DbContext context, ReencryptionBatchInfo batch, List<StoredRow> rows, CancellationToken cancellationToken)
    {
        if (_options.BeforeWriteBatch is { } beforeWrite)
        {
            await beforeWrite(cancellationToken).ConfigureAwait(false);
        }

        if (_options.BeforeBatchTransaction is { } beforeTransaction)
        {
            await beforeTransaction(batch.Sequence, cancellationToken).ConfigureAwait(false);
        }

        var failures = new List<ReencryptionFailure>();
        long skipped = 0;
        int updated = 0;
        int applied;
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var connection = context.Database.GetDbConnection();
                var written = new List<object>(rows.Count);

                // The batch goes out in chunks: while the database applies one chunk's update, the next chunk is rewrapped.
                Task<List<object>>? inFlight = null;
                try
                {
                    foreach (var chunk in rows.Chunk(RowsPerUpdate))
                    {
                        var updates = Rewrite(chunk, failures, ref skipped);
                        updated += updates.Count;
                        if (inFlight is not null)
                        {
                            written.AddRange(await inFlight.ConfigureAwait(false));
                        }

                        inFlight = updates.Count > 0 ? _update.WriteAsync(connection, transaction.GetDbTransaction(), updates, cancellationToken) : null;
                    }

                    if (inFlight is not null)
                    {
                        written.AddRange(await inFlight.ConfigureAwait(false));
                    }
                }
                catch when (inFlight is { IsCompleted: false })
                {
                    // The connection is in use until the update in flight ends: let it, then roll back.
                    await inFlight.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)
                        .ConfigureAwait(false);
                    throw;
                }

                applied = written.Count;
                if (_options.OnBatchAsync is { } onBatch && written.Count > 0)
                {
                    await onBatch(context, written, cancellationToken).ConfigureAwait(false);
                }

                if (_inBatchTransaction is { } hook)
                {
                    await hook(context, new BatchCommit(applied, KeyText(rows[^1].Key), batch.Last), cancellationToken).ConfigureAwait(false);
                }

                if (_options.SaveCheckpointAsync is { } save && batch.GetCheckpoint() is { } checkpoint)
                {
                    await save(context, checkpoint, cancellationToken).ConfigureAwait(false);
                }

                // Once the commit starts it is not cancelled: the batch is either all saved or not at all.
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }

        return new ReencryptionBatchOutcome(applied, skipped + (updated - applied), failures);
    }

    /// <summary>Rewraps rows; those already current count as skipped, those that cannot be read as failures.</summary>
    private List<RowUpdate> Rewrite(StoredRow[] rows, List<ReencryptionFailure> failures, ref long skipped)
    {
        var updates = new List<RowUpdate>(rows.Length);
        foreach (var row in rows)
        {
            try
            {
                if (_rewrite.Rewrite(row.Values, row.Versions) is { } newValues)
                {
                    updates.Add(new RowUpdate(row, newValues));
                }
                else
                {
                    skipped++;
                }
            }
            catch (EnvelopeException ex)
            {
                failures.Add(new ReencryptionFailure(KeyText(row.Key), ex.Reason, ex.Message));
            }
        }

        return updates;
    }

    private object? ParseCheckpoint(string? checkpoint)
    {
        if (checkpoint is null)
        {
            return null;
        }

        try
        {
            return _map.KeyType == typeof(string) ? checkpoint : TypeDescriptor.GetConverter(_map.KeyType).ConvertFromInvariantString(checkpoint);
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException)
        {
            throw new ArgumentException($"The checkpoint '{checkpoint}' is not a {_map.KeyType.Name} primary key.", ex);
        }
    }

    private static string KeyText(object key) => Convert.ToString(key, CultureInfo.InvariantCulture) ?? "";

}
