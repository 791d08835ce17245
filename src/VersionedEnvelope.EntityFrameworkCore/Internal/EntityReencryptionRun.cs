using System.ComponentModel;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;
using VersionedEnvelope.Reencryption.Internal;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// One pass over a table in SQL, on the core package's re-encryption pipeline (which orders checkpoints, counts progress
/// and collects failures): pages of rows that may need work by keyset (<c>WHERE key &gt; @last ORDER BY key</c>, never
/// OFFSET), each row's new values from the pass's <see cref="RowRewrite"/> (re-encryption, or a blind index backfill),
/// each batch written in one transaction by updates that only apply where the row still holds what was read, so a value
/// the application changed meanwhile is never overwritten: it is counted as skipped and the next pass sees it.
/// </summary>
internal sealed class EntityReencryptionRun : ReencryptionPipeline<List<EntityReencryptionRun.Row>>
{
    /// <summary>Rows per update statement: small enough that rewrapping the next chunk overlaps the database's work on this one.</summary>
    private const int RowsPerUpdate = 1_000;
    private readonly EncryptedTableMap _map;
    private readonly RowRewrite _rewrite;
    private readonly IReadOnlyList<RewriteColumn> _columns;
    private readonly EntityReencryptionOptions _options;
    private readonly int _active;

    /// <summary>The last key a run over one claimed key range reads (inclusive); <see langword="null"/>: to the table's end.</summary>
    private readonly object? _upTo;

    /// <summary>
    /// Runs in each batch's transaction after its update, given how many rows it rewrote, the batch's last key and
    /// whether the run's reading has ended with it: a claimed key range saves its checkpoint and heartbeat there, fenced
    /// by its claim.
    /// </summary>
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
        _columns = rewrite.Columns;
        _options = options;
        _active = rewrite.TargetVersion;
        _after = ParseCheckpoint(options.ResumeAfter);
        _upTo = ParseCheckpoint(upTo);
        _inBatchTransaction = inBatchTransaction;
    }

    /// <summary>What a batch's transaction commits with: rows rewritten, the batch's last key, and whether it ends the run.</summary>
    internal readonly record struct BatchCommit(int Rewritten, string LastKey, bool Last);

    protected override int TargetVersion => _active;

    private SqlDialect Dialect => _options.Dialect ?? _map.Dialect;

    /// <summary>Whether a column's VE1 text values are read by their start and rewritten in place by the database.</summary>
    private bool ReadsHead(RewriteColumn column) => column.HeadOnly && Dialect.RewritesTextInPlace;

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

    protected override async ValueTask<List<Row>> ReadPageAsync(CancellationToken cancellationToken)
    {
        var page = await ReadPageAsync(_reader!, _after, cancellationToken).ConfigureAwait(false);
        if (page.Count > 0)
        {
            _after = page[^1].Key;
        }

        return page;
    }

    protected override int CountOf(List<Row> page) => page.Count;

    protected override string LastKeyOf(List<Row> page) => KeyText(page[^1].Key);

    protected override async ValueTask<ReencryptionBatchOutcome> WriteBatchAsync(
        List<Row> page, ReencryptionBatchInfo batch, CancellationToken cancellationToken)
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
    /// When reading ended on an empty page (the last batch was full, or nothing was stale), the batch hook still hears that
    /// the run ended; then the final checkpoint is saved once more, in a transaction of its own: batches that committed
    /// out of order each saved an earlier one, so without this a host that records progress would never see the end.
    /// </summary>
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

    private async Task<List<Row>> ReadPageAsync(DbContext context, object? after, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = connection.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
            var (top, limit) = Dialect.RowLimit(_options.BatchSize);
            // Three columns each: the value (or, for a VE1 text value a rewrap needs only the head of, its start), its
            // length when only the start was read, and its keyVersion column.
            var select = new StringBuilder($"SELECT {top}{_map.KeyColumn}");
            foreach (var column in _columns)
            {
                string c = column.Column;
                select.Append(", ").Append(ReadsHead(column)
                    ? string.Create(
                        CultureInfo.InvariantCulture,
                        $"CASE WHEN substr({c}, 1, {EnvelopeFormat.TextPrefix.Length}) = '{EnvelopeFormat.TextPrefix}' THEN substr({c}, 1, "
                            + $"{StoredValueReencryption.MaxTextHeadLength}) ELSE {c} END, length({c})")
                    : $"{c}, NULL");
                select.Append(", ").Append(column.KeyVersionColumn ?? "NULL");
            }

            var where = new List<string>();
            if (after is not null)
            {
                where.Add($"{_map.KeyColumn} > @after");
                ContextCommand.Parameter(command, "@after", after, null);
            }

            if (_upTo is not null)
            {
                where.Add($"{_map.KeyColumn} <= @upTo");
                ContextCommand.Parameter(command, "@upTo", _upTo, null);
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
                    values[i] = reader.IsDBNull(1 + (3 * i)) ? null : reader.GetValue(1 + (3 * i));
                    if (values[i] is string start && !reader.IsDBNull(2 + (3 * i))
                        && Convert.ToInt32(reader.GetValue(2 + (3 * i)), CultureInfo.InvariantCulture) is var length && start.Length < length)
                    {
                        values[i] = new StoredTextStart(start, length);
                    }

                    versions[i] = reader.IsDBNull(3 + (3 * i)) ? null : Convert.ToInt32(reader.GetValue(3 + (3 * i)), CultureInfo.InvariantCulture);
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

    private async Task<ReencryptionBatchOutcome> WriteBatchAsync(
        DbContext context, ReencryptionBatchInfo batch, List<Row> rows, CancellationToken cancellationToken)
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

                        inFlight = updates.Count > 0 ? UpdateAsync(connection, transaction.GetDbTransaction(), updates, cancellationToken) : null;
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
    private List<(Row Row, object?[] NewValues)> Rewrite(Row[] rows, List<ReencryptionFailure> failures, ref long skipped)
    {
        var updates = new List<(Row Row, object?[] NewValues)>(rows.Length);
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

        return updates;
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

        if (Dialect.UpdatesFromArrays && KeyArray(updates) is { } keys)
        {
            var command = connection.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = transaction;
            command.CommandText = ArrayUpdateSql(updates, keys, command);
            await ReadReturnedKeysAsync(command, written, cancellationToken).ConfigureAwait(false);
            return written;
        }

        if (Dialect.UpdatesFromValues)
        {
            foreach (var chunk in updates.Chunk(Math.Max(1, Dialect.ParametersPerUpdate / (1 + _columns.Sum(c => InPlace(c) ? 3 : 2)))))
            {
                var command = connection.CreateCommand();
                await using var commandLifetime = command.ConfigureAwait(false);
                command.Transaction = transaction;
                command.CommandText = SetUpdateSql(chunk, command);
                await ReadReturnedKeysAsync(command, written, cancellationToken).ConfigureAwait(false);
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
    /// t.c = d.old</c>, a text column written in place as in <see cref="ArrayUpdateSql"/>. Rows whose ciphertext changed
    /// since it was read do not match, so they are not written.
    /// </summary>
    private string SetUpdateSql((Row Row, object?[] NewValues)[] rows, DbCommand command)
    {
        var values = new StringBuilder();
        int n = 0;
        foreach (var (row, newValues) in rows)
        {
            values.Append(values.Length == 0 ? "(" : ", (");
            values.Append(ContextCommand.Parameter(command, $"@v{n++}", row.Key, null));
            for (int i = 0; i < _columns.Count; i++)
            {
                if (InPlace(_columns[i]))
                {
                    var (old, length, @new) = TextWrite(row.Values[i], newValues[i]);
                    values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", old, DbType.String));
                    values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", length, DbType.Int32));
                    values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", _columns[i].Written ? @new : null, DbType.String));
                    continue;
                }

                var type = _columns[i].IsText ? DbType.String : DbType.Binary;
                values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", row.Values[i], type));
                values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", _columns[i].Written ? newValues[i] : null, type));
            }

            values.Append(')');
        }

        // VALUES columns are column1, column2, … on both PostgreSQL and SQLite: the key, then per column (old, new), or
        // (old head, length, new head) for text rewritten in place.
        var set = new List<string>();
        var where = new List<string> { $"{_map.Table}.{_map.KeyColumn} = d.column1" };
        int next = 2;
        for (int i = 0; i < _columns.Count; i++)
        {
            var column = _columns[i];
            string old = string.Create(CultureInfo.InvariantCulture, $"d.column{next++}");
            string? length = InPlace(column) ? string.Create(CultureInfo.InvariantCulture, $"d.column{next++}") : null;
            string @new = string.Create(CultureInfo.InvariantCulture, $"d.column{next++}");
            AddCondition(where, column, old, length);
            AddAssignment(set, column, old, length, @new);
        }

        // RETURNING names the rows the condition let through (PostgreSQL; SQLite 3.35+): exactly the ones this batch wrote.
        return $"UPDATE {_map.Table} SET {string.Join(", ", set)} FROM (VALUES {values}) AS d WHERE {string.Join(" AND ", where)} RETURNING {_map.KeyColumn}";
    }

    /// <summary>Runs an update that names the rows it wrote (<c>RETURNING key</c>) and adds their keys.</summary>
    private static async Task ReadReturnedKeysAsync(DbCommand command, List<object> written, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            written.Add(reader.GetValue(0));
        }
    }

    /// <summary>
    /// The rows in one statement with one array parameter per column (PostgreSQL): <c>UPDATE t SET c = d.n0 ||
    /// substr(t.c, length(d.o0) + 1) FROM unnest(@k, @o0, @l0, @n0) AS d(k, o0, l0, n0) WHERE t.key = d.k AND
    /// substr(t.c, 1, length(d.o0)) = d.o0 AND length(t.c) = d.l0 RETURNING t.key</c> for a text column (a binary one
    /// compares and sets the whole value). Rows whose ciphertext changed since it was read do not match, so they are not written.
    /// </summary>
    private string ArrayUpdateSql(List<(Row Row, object?[] NewValues)> updates, Array keys, DbCommand command)
    {
        ContextCommand.Parameter(command, "@k", keys, null);
        var columns = new List<string> { "k" };
        var set = new List<string>();
        var where = new List<string> { $"{_map.Table}.{_map.KeyColumn} = d.k" };
        for (int i = 0; i < _columns.Count; i++)
        {
            var column = _columns[i];
            string old = string.Create(CultureInfo.InvariantCulture, $"o{i}");
            string @new = string.Create(CultureInfo.InvariantCulture, $"n{i}");
            string? length = null;
            if (InPlace(column))
            {
                var writes = updates.Select(u => TextWrite(u.Row.Values[i], u.NewValues[i])).ToArray();
                length = string.Create(CultureInfo.InvariantCulture, $"l{i}");
                ContextCommand.Parameter(command, $"@{old}", writes.Select(w => w.Old).ToArray(), null);
                ContextCommand.Parameter(command, $"@{length}", writes.Select(w => w.Length).ToArray(), null);
                columns.AddRange([old, length]);
                if (column.Written)
                {
                    ContextCommand.Parameter(command, $"@{@new}", writes.Select(w => w.New).ToArray(), null);
                    columns.Add(@new);
                }
            }
            else
            {
                ContextCommand.Parameter(command, $"@{old}", BinaryArray(updates, (row, _) => row.Values[i]), null);
                columns.Add(old);
                if (column.Written)
                {
                    ContextCommand.Parameter(command, $"@{@new}", BinaryArray(updates, (_, newValues) => newValues[i]), null);
                    columns.Add(@new);
                }
            }

            AddCondition(where, column, $"d.{old}", length is null ? null : $"d.{length}");
            AddAssignment(set, column, $"d.{old}", length is null ? null : $"d.{length}", $"d.{@new}");
        }

        string arguments = string.Join(", ", columns.Select(c => "@" + c));
        return $"UPDATE {_map.Table} SET {string.Join(", ", set)} FROM unnest({arguments}) AS d({string.Join(", ", columns)}) "
            + $"WHERE {string.Join(" AND ", where)} RETURNING {_map.Table}.{_map.KeyColumn}";
    }

    /// <summary>
    /// The rows' keys as a typed array (which the provider sends as one array parameter), for the usual key types; null
    /// for others, which the <c>VALUES</c> form takes.
    /// </summary>
    private static Array? KeyArray(List<(Row Row, object?[] NewValues)> updates) => updates[0].Row.Key switch
    {
        int => updates.Select(u => (int)u.Row.Key).ToArray(),
        long => updates.Select(u => (long)u.Row.Key).ToArray(),
        Guid => updates.Select(u => (Guid)u.Row.Key).ToArray(),
        string => updates.Select(u => (string)u.Row.Key).ToArray(),
        _ => null,
    };

    /// <summary>
    /// Text columns of set-based updates are compared and written by their start (a whole value is a start as long as
    /// itself): a VE1 value read by its head gets only its head replaced, any other value the whole of it.
    /// </summary>
    private bool InPlace(RewriteColumn column) => column.IsText && Dialect.RewritesTextInPlace;

    /// <summary>
    /// What an in-place text column sends: the start to compare and replace, the stored length the row must still have,
    /// and what replaces the start.
    /// </summary>
    private static (string? Old, int? Length, string? New) TextWrite(object? value, object? newValue) => (value, newValue) switch
    {
        (StoredTextStart start, TextHeadRewrite rewrite) => (rewrite.OldHead, start.Length, rewrite.NewHead),
        (StoredTextStart start, _) => (start.Start, start.Length, start.Start),
        (string old, var written) => (old, old.Length, (string?)written),
        _ => (null, null, (string?)newValue),
    };

    /// <summary>
    /// The row still holds what was read: the same value (null-safe), or, for a text column written in place, the same
    /// start and the same length.
    /// </summary>
    private void AddCondition(List<string> where, RewriteColumn column, string old, string? length)
    {
        string stored = $"{_map.Table}.{column.Column}";
        string same = length is null ? $"{stored} = {old}" : $"substr({stored}, 1, length({old})) = {old} AND length({stored}) = {length}";
        where.Add($"(({same}) OR ({stored} IS NULL AND {old} IS NULL))");
    }

    /// <summary>
    /// The column's new value (for a text column written in place: the new start, then the rest as stored, nothing when
    /// it was null) and its keyVersion.
    /// </summary>
    private void AddAssignment(List<string> set, RewriteColumn column, string old, string? length, string @new)
    {
        if (!column.Written)
        {
            return;
        }

        set.Add(length is null
            ? $"{column.Column} = {@new}"
            : $"{column.Column} = {@new} || COALESCE(substr({_map.Table}.{column.Column}, length({old}) + 1), '')");
        if (column.KeyVersionColumn is { } kv)
        {
            set.Add(string.Create(CultureInfo.InvariantCulture, $"{kv} = {_active}"));
        }
    }

    /// <summary>A binary column's old or new values as one array (text columns of array updates are written in place).</summary>
    private static byte[]?[] BinaryArray(List<(Row Row, object?[] NewValues)> updates, Func<Row, object?[], object?> pick) =>
        [.. updates.Select(u => (byte[]?)pick(u.Row, u.NewValues))];

    /// <summary>An update that applies only while the row holds every ciphertext that was read.</summary>
    private string UpdateSql(Row row, object?[] newValues, DbCommand command)
    {
        var set = new List<string>();
        var where = new List<string> { $"{_map.KeyColumn} = @k" };
        ContextCommand.Parameter(command, "@k", row.Key, null);
        for (int i = 0; i < newValues.Length; i++)
        {
            var column = _columns[i];
            if (!ReferenceEquals(newValues[i], row.Values[i]))
            {
                set.Add($"{column.Column} = @n{i}");
                ContextCommand.Parameter(command, $"@n{i}", newValues[i], null);
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
                ContextCommand.Parameter(command, $"@o{i}", row.Values[i], null);
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
    internal sealed record Row(object Key, object?[] Values, int?[] Versions);
}
