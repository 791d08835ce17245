using System.ComponentModel;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// One pass over a table in SQL: pages of rows that may need work by keyset (<c>WHERE key &gt; @last ORDER BY key</c>,
/// never OFFSET), each row's new values from the pass's <see cref="RowRewrite"/> (re-encryption, or a blind index
/// backfill), each batch written in one transaction by updates that only apply where the row still holds what was
/// read, so a value the application changed meanwhile is never overwritten: it is counted as skipped and the next pass
/// sees it.
/// </summary>
internal sealed class EntityReencryptionRun
{
    /// <summary>Parameters per set-based update (about 1,000 rows of one column): far below SQLite's and PostgreSQL's limits.</summary>
    private const int MaxParametersPerUpdate = 3_000;
    private readonly EncryptedTableMap _map;
    private readonly RowRewrite _rewrite;
    private readonly IReadOnlyList<RewriteColumn> _columns;
    private readonly EntityReencryptionOptions _options;
    private readonly int _active;
    private readonly long _started = TimeProvider.System.GetTimestamp();
    private readonly object _gate = new();
    private readonly List<ReencryptionFailure> _failures = [];
    private readonly SortedDictionary<long, object> _finishedAhead = [];
    private long _scanned;
    private long _rewrapped;
    private long _skipped;
    private long _nextToFinish;
    private string? _checkpoint;

    /// <summary>The last key a run over one claimed key range reads (inclusive); <see langword="null"/>: to the table's end.</summary>
    private readonly object? _upTo;

    /// <summary>
    /// Runs in each batch's transaction after its update, given how many rows it rewrote, the batch's last key and
    /// whether the run's reading has ended with it: a claimed key range saves its checkpoint and heartbeat there, fenced
    /// by its claim.
    /// </summary>
    private readonly Func<DbContext, BatchCommit, CancellationToken, Task>? _inBatchTransaction;

    public EntityReencryptionRun(
        EncryptedTableMap map,
        RowRewrite rewrite,
        EntityReencryptionOptions options,
        string? upTo = null,
        Func<DbContext, BatchCommit, CancellationToken, Task>? inBatchTransaction = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1, nameof(options.MaxDegreeOfParallelism));
        _map = map;
        _rewrite = rewrite;
        _columns = rewrite.Columns;
        _options = options;
        _active = rewrite.TargetVersion;
        _checkpoint = options.ResumeAfter;
        _upTo = ParseCheckpoint(upTo);
        _inBatchTransaction = inBatchTransaction;
    }

    /// <summary>What a batch's transaction commits with: rows rewritten, the batch's last key, and whether it ends the run.</summary>
    internal readonly record struct BatchCommit(int Rewritten, string LastKey, bool Last);

    /// <summary>Reads and writes with one context, one batch after another.</summary>
    public async Task<ReencryptionSummary> RunAsync(DbContext context, CancellationToken cancellationToken)
    {
        if (_options.MaxDegreeOfParallelism > 1)
        {
            throw new InvalidOperationException("MaxDegreeOfParallelism above 1 needs a context per batch: call ReencryptAsync on an IDbContextFactory.");
        }

        object? after = ParseCheckpoint(_options.ResumeAfter);
        long sequence = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await ReadPageAsync(context, after, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                await EndWithoutBatchAsync(context, after, cancellationToken).ConfigureAwait(false);
                break;
            }

            bool last = page.Count < _options.BatchSize;
            await WriteBatchAsync(context, sequence++, page, last, cancellationToken).ConfigureAwait(false);
            after = page[^1].Key;
            if (last)
            {
                break;
            }
        }

        await SaveFinalCheckpointAsync(context, cancellationToken).ConfigureAwait(false);
        return Summary();
    }

    /// <summary>Reads with one context and writes each batch with a new one, up to MaxDegreeOfParallelism at once.</summary>
    public async Task<ReencryptionSummary> RunAsync(Func<CancellationToken, Task<DbContext>> createContext, CancellationToken cancellationToken)
    {
        var pages = Channel.CreateBounded<(long Sequence, List<Row> Rows)>(_options.MaxDegreeOfParallelism);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writers = Enumerable.Range(0, _options.MaxDegreeOfParallelism).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var (sequence, rows) in pages.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    var context = await createContext(stop.Token).ConfigureAwait(false);
                    await using (context.ConfigureAwait(false))
                    {
                        await WriteBatchAsync(context, sequence, rows, last: false, stop.Token).ConfigureAwait(false);
                    }
                }
            }
            catch
            {
                // One failed batch stops the run: the reader stops feeding and the other writers stop between batches.
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }, CancellationToken.None)).ToList();

        try
        {
            var reader = await createContext(stop.Token).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                object? after = ParseCheckpoint(_options.ResumeAfter);
                long sequence = 0;
                while (true)
                {
                    var page = await ReadPageAsync(reader, after, stop.Token).ConfigureAwait(false);
                    if (page.Count == 0)
                    {
                        break;
                    }

                    await pages.Writer.WriteAsync((sequence++, page), stop.Token).ConfigureAwait(false);
                    after = page[^1].Key;
                    if (page.Count < _options.BatchSize)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A writer failed; its exception is thrown below.
        }
        finally
        {
            pages.Writer.TryComplete();
        }

        await Task.WhenAll(writers).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.SaveCheckpointAsync is not null && _checkpoint is not null)
        {
            var context = await createContext(cancellationToken).ConfigureAwait(false);
            await using (context.ConfigureAwait(false))
            {
                await SaveFinalCheckpointAsync(context, cancellationToken).ConfigureAwait(false);
            }
        }

        return Summary();
    }

    /// <summary>
    /// When reading ends on an empty page (the last batch was full, or nothing was stale), the batch hook still hears that
    /// the run ended, in a transaction of its own.
    /// </summary>
    private async Task EndWithoutBatchAsync(DbContext context, object? after, CancellationToken cancellationToken)
    {
        if (_inBatchTransaction is not { } hook)
        {
            return;
        }

        var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await hook(context, new BatchCommit(0, after is null ? "" : KeyText(after), Last: true), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Saves the run's last checkpoint once more, in a transaction of its own: batches that committed out of order each
    /// saved an earlier one, so without this a host that records progress would never see the end.
    /// </summary>
    private async Task SaveFinalCheckpointAsync(DbContext context, CancellationToken cancellationToken)
    {
        string? checkpoint;
        lock (_gate)
        {
            checkpoint = _checkpoint;
        }

        if (_options.SaveCheckpointAsync is not { } save || checkpoint is null)
        {
            return;
        }

        var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await save(context, checkpoint, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>What the run has committed so far (all of it once the run has ended).</summary>
    internal ReencryptionSummary Summary()
    {
        lock (_gate)
        {
            return new ReencryptionSummary(_scanned, _rewrapped, _skipped, [.. _failures], Elapsed(), _checkpoint, _active);
        }
    }

    private TimeSpan Elapsed() => TimeProvider.System.GetElapsedTime(_started);

    private async Task<List<Row>> ReadPageAsync(DbContext context, object? after, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = connection.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
            var (top, limit) = _map.RowLimit(_options.BatchSize);
            var select = new StringBuilder($"SELECT {top}{_map.KeyColumn}");
            foreach (var column in _columns)
            {
                select.Append(", ").Append(column.Column).Append(", ").Append(column.KeyVersionColumn ?? "NULL");
            }

            var where = new List<string>();
            if (after is not null)
            {
                where.Add($"{_map.KeyColumn} > @after");
                Parameter(command, "@after", after, null);
            }

            if (_upTo is not null)
            {
                where.Add($"{_map.KeyColumn} <= @upTo");
                Parameter(command, "@upTo", _upTo, null);
            }

            if (_rewrite.StalePredicate() is { } stale)
            {
                where.Add(stale);
            }

            select.Append(CultureInfo.InvariantCulture, $" FROM {_map.Table}");
            if (where.Count > 0)
            {
                select.Append(" WHERE ").AppendJoin(" AND ", where);
            }

            select.Append(CultureInfo.InvariantCulture, $" ORDER BY {_map.KeyColumn}{limit}");
            command.CommandText = select.ToString();
            var rows = new List<Row>(_options.BatchSize);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerLifetime = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var values = new object?[_columns.Count];
                var versions = new int?[_columns.Count];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = reader.IsDBNull(1 + (2 * i)) ? null : reader.GetValue(1 + (2 * i));
                    versions[i] = reader.IsDBNull(2 + (2 * i)) ? null : Convert.ToInt32(reader.GetValue(2 + (2 * i)), CultureInfo.InvariantCulture);
                }

                rows.Add(new Row(reader.GetValue(0), values, versions));
            }

            return rows;
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteBatchAsync(DbContext context, long sequence, List<Row> rows, bool last, CancellationToken cancellationToken)
    {
        if (_options.BeforeWriteBatch is { } beforeWrite)
        {
            await beforeWrite(cancellationToken).ConfigureAwait(false);
        }

        var updates = new List<(Row Row, object?[] NewValues)>();
        var failures = new List<ReencryptionFailure>();
        long skipped = 0;
        foreach (var row in rows)
        {
            try
            {
                if (_rewrite.Rewrite(row.Values, row.Versions) is { } newValues)
                {
                    updates.Add((row, newValues));
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

        if (_options.BeforeBatchTransaction is { } beforeTransaction)
        {
            await beforeTransaction(sequence, cancellationToken).ConfigureAwait(false);
        }

        int applied;
        string? checkpoint;
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var connection = context.Database.GetDbConnection();
                var written = await UpdateAsync(connection, transaction.GetDbTransaction(), updates, cancellationToken).ConfigureAwait(false);
                applied = written.Count;
                if (_options.OnBatchAsync is { } onBatch && written.Count > 0)
                {
                    await onBatch(context, written, cancellationToken).ConfigureAwait(false);
                }

                if (_inBatchTransaction is { } hook)
                {
                    await hook(context, new BatchCommit(applied, KeyText(rows[^1].Key), last), cancellationToken).ConfigureAwait(false);
                }

                checkpoint = CheckpointIfDone(sequence, KeyText(rows[^1].Key));
                if (_options.SaveCheckpointAsync is { } save && checkpoint is not null)
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

        lock (_gate)
        {
            _scanned += rows.Count;
            _rewrapped += applied;
            _skipped += skipped + (updates.Count - applied);
            _failures.AddRange(failures);
            Finish(sequence, KeyText(rows[^1].Key));
            _options.Progress?.Report(new ReencryptionProgress(_scanned, _rewrapped, _skipped, _failures.Count, Elapsed(), _checkpoint));
        }
    }

    /// <summary>The checkpoint this batch may save: its last key when every earlier batch is done, else the last safe one.</summary>
    private string? CheckpointIfDone(long sequence, string lastKey)
    {
        lock (_gate)
        {
            return sequence == _nextToFinish ? lastKey : _checkpoint;
        }
    }

    /// <summary>Under the gate: advances the checkpoint over every batch finished in order.</summary>
    private void Finish(long sequence, string lastKey)
    {
        _finishedAhead[sequence] = lastKey;
        while (_finishedAhead.Remove(_nextToFinish, out var key))
        {
            _checkpoint = (string)key;
            _nextToFinish++;
        }
    }

    /// <summary>Writes the batch's updates; returns the keys of the rows that still held what was read (the others changed meanwhile).</summary>
    private async Task<List<object>> UpdateAsync(
        DbConnection connection,
        DbTransaction transaction,
        List<(Row Row, object?[] NewValues)> updates,
        CancellationToken cancellationToken)
    {
        var written = new List<object>(updates.Count);
        if (updates.Count == 0)
        {
            return written;
        }

        if (_map.SupportsUpdateFromValues && !_options.UpdateRowByRow)
        {
            foreach (var chunk in updates.Chunk(MaxParametersPerUpdate / (1 + (2 * _columns.Count))))
            {
                var command = connection.CreateCommand();
                await using var commandLifetime = command.ConfigureAwait(false);
                command.Transaction = transaction;
                command.CommandText = SetUpdateSql(chunk, command);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerLifetime = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    written.Add(reader.GetValue(0));
                }
            }

            return written;
        }

        // Other providers: one conditional update per row, in the batch's transaction.
        foreach (var (row, newValues) in updates)
        {
            var command = connection.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = transaction;
            command.CommandText = UpdateSql(row, newValues, command);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                written.Add(row.Key);
            }
        }

        return written;
    }

    /// <summary>
    /// One statement for many rows: <c>UPDATE t SET c = d.new FROM (VALUES (key, old, new), …) AS d WHERE t.key = d.key AND
    /// t.c = d.old</c>. Rows whose ciphertext changed since it was read do not match, so they are not written.
    /// </summary>
    private string SetUpdateSql((Row Row, object?[] NewValues)[] rows, DbCommand command)
    {
        var values = new StringBuilder();
        int n = 0;
        foreach (var (row, newValues) in rows)
        {
            values.Append(values.Length == 0 ? "(" : ", (");
            values.Append(Parameter(command, $"@v{n++}", row.Key, null));
            for (int i = 0; i < _columns.Count; i++)
            {
                var type = _columns[i].IsText ? DbType.String : DbType.Binary;
                values.Append(", ").Append(Parameter(command, $"@v{n++}", row.Values[i], type));
                values.Append(", ").Append(Parameter(command, $"@v{n++}", _columns[i].Written ? newValues[i] : null, type));
            }

            values.Append(')');
        }

        // VALUES columns are column1, column2, … on both PostgreSQL and SQLite: key, then (old, new) per column.
        var set = new List<string>();
        var where = new List<string> { $"{_map.Table}.{_map.KeyColumn} = d.column1" };
        for (int i = 0; i < _columns.Count; i++)
        {
            var column = _columns[i];
            string old = string.Create(CultureInfo.InvariantCulture, $"d.column{2 + (2 * i)}");
            string @new = string.Create(CultureInfo.InvariantCulture, $"d.column{3 + (2 * i)}");
            where.Add($"({_map.Table}.{column.Column} = {old} OR ({_map.Table}.{column.Column} IS NULL AND {old} IS NULL))");
            if (!column.Written)
            {
                continue;
            }

            set.Add($"{column.Column} = {@new}");
            if (column.KeyVersionColumn is { } kv)
            {
                set.Add(string.Create(CultureInfo.InvariantCulture, $"{kv} = {_active}"));
            }
        }

        // RETURNING names the rows the condition let through (PostgreSQL; SQLite 3.35+): exactly the ones this batch wrote.
        return $"UPDATE {_map.Table} SET {string.Join(", ", set)} FROM (VALUES {values}) AS d WHERE {string.Join(" AND ", where)} RETURNING {_map.KeyColumn}";
    }

    private static string Parameter(DbCommand command, string name, object? value, DbType? type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (type is { } dbType)
        {
            parameter.DbType = dbType;
        }

        command.Parameters.Add(parameter);
        return name;
    }

    /// <summary>An update that applies only while the row holds every ciphertext that was read.</summary>
    private string UpdateSql(Row row, object?[] newValues, DbCommand command)
    {
        var set = new List<string>();
        var where = new List<string> { $"{_map.KeyColumn} = @k" };
        Parameter(command, "@k", row.Key, null);
        for (int i = 0; i < newValues.Length; i++)
        {
            var column = _columns[i];
            if (!ReferenceEquals(newValues[i], row.Values[i]))
            {
                set.Add($"{column.Column} = @n{i}");
                Parameter(command, $"@n{i}", newValues[i], null);
            }

            if (column.KeyVersionColumn is { } kv)
            {
                set.Add(string.Create(CultureInfo.InvariantCulture, $"{kv} = {_active}"));
            }

            if (row.Values[i] is null)
            {
                where.Add($"{column.Column} IS NULL");
            }
            else
            {
                where.Add($"{column.Column} = @o{i}");
                Parameter(command, $"@o{i}", row.Values[i], null);
            }
        }

        return $"UPDATE {_map.Table} SET {string.Join(", ", set)} WHERE {string.Join(" AND ", where)}";
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

    /// <summary>A row as read: its key, each encrypted column's stored value and its keyVersion column.</summary>
    private sealed record Row(object Key, object?[] Values, int?[] Versions);
}
