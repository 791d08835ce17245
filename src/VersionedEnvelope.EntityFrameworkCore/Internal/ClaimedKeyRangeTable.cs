using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// The table of claimed key ranges (PostgreSQL): its schema, the plan that splits a run's stale rows into ranges once
/// whichever hosts join, and a run's status. Claiming, leases and heartbeats are <see cref="ClaimedKeyRangeRun"/>'s.
/// </summary>
internal static class ClaimedKeyRangeTable
{
    public const string Pending = "pending";
    public const string Claimed = "claimed";
    public const string Done = "done";

    /// <summary>Creates the table when missing and splits the stale rows' keys into ranges, once per run whichever hosts join.</summary>
    public static async Task PlanAsync(
        DbContext context, string table, EncryptedTableMap map, RowRewrite rewrite, ClaimedKeyRangeOptions ranges, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await context.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var command = context.Database.GetDbConnection().CreateCommand();
                await using var commandLifetime = command.ConfigureAwait(false);
                command.Transaction = transaction.GetDbTransaction();

                // Hosts that join at once wait here; CREATE TABLE IF NOT EXISTS alone can race on PostgreSQL's catalogue.
                command.CommandText = "SELECT pg_advisory_xact_lock(hashtext(@lock))";
                ContextCommand.Parameter(command, "@lock", "VersionedEnvelope:" + table);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                command.Parameters.Clear();
                command.CommandText = $"""
                    CREATE TABLE IF NOT EXISTS {table} (
                        run_id text NOT NULL,
                        range_no integer NOT NULL,
                        table_name text NOT NULL,
                        after_key text NULL,
                        last_key text NULL,
                        checkpoint text NULL,
                        state text NOT NULL DEFAULT '{Pending}',
                        owner text NULL,
                        claim_token uuid NULL,
                        heartbeat timestamptz NULL,
                        claims integer NOT NULL DEFAULT 0,
                        rewrapped bigint NOT NULL DEFAULT 0,
                        PRIMARY KEY (run_id, range_no))
                    """;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                command.CommandText = $"SELECT table_name FROM {table} WHERE run_id = @run LIMIT 1";
                ContextCommand.Parameter(command, "@run", ranges.RunId);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string planned)
                {
                    if (planned != map.Table)
                    {
                        throw new InvalidOperationException(
                            $"The run '{ranges.RunId}' re-encrypts {planned}, not {map.Table}: give each run an id of its own.");
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                // Each range ends at a tile's last key, so ranges hold about as many stale rows each; the last is open-ended.
                string stale = rewrite.StalePredicate() is { } predicate ? $" WHERE {predicate}" : "";
                command.CommandText = $"""
                    SELECT max(k) FROM (SELECT {map.KeyColumn} AS k, ntile(@n) OVER (ORDER BY {map.KeyColumn}) AS tile FROM {map.Table}{stale}) AS tiles
                    GROUP BY tile ORDER BY 1
                    """;
                ContextCommand.Parameter(command, "@n", ranges.RangeCount);
                var ends = new List<string>();
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        ends.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
                    }
                }

                command.Parameters.Clear();
                var values = new List<string>();
                ContextCommand.Parameter(command, "@run", ranges.RunId);
                ContextCommand.Parameter(command, "@table", map.Table);
                for (int i = 0; i < Math.Max(1, ends.Count); i++)
                {
                    string after = i == 0 ? "NULL" : ContextCommand.Parameter(command, $"@a{i}", ends[i - 1]);
                    string last = i >= ends.Count - 1 ? "NULL" : ContextCommand.Parameter(command, $"@l{i}", ends[i]);
                    values.Add(string.Create(CultureInfo.InvariantCulture, $"(@run, {i}, @table, {after}, {last})"));
                }

                command.CommandText = $"INSERT INTO {table} (run_id, range_no, table_name, after_key, last_key) VALUES {string.Join(", ", values)}";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads where a shared run stands.</summary>
    public static async Task<ClaimedKeyRangeStatus> ReadStatusAsync(
        DbContext context, string runId, string tableName, CancellationToken cancellationToken)
    {
        string table = context.GetService<ISqlGenerationHelper>().DelimitIdentifier(tableName);
        return await ContextCommand.RunAsync(
            context,
            async command =>
            {
                command.CommandText = "SELECT to_regclass(@table) IS NOT NULL";
                ContextCommand.Parameter(command, "@table", table);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    return new ClaimedKeyRangeStatus(runId, 0, 0, 0, []);
                }

                command.Parameters.Clear();
                ContextCommand.Parameter(command, "@run", runId);
                command.CommandText = $"""
                    SELECT count(*), count(*) FILTER (WHERE state = '{Done}'), coalesce(sum(rewrapped), 0) FROM {table} WHERE run_id = @run;
                    SELECT owner, count(*), max(heartbeat) FROM {table} WHERE run_id = @run AND state = '{Claimed}' GROUP BY owner ORDER BY owner
                    """;
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerLifetime = reader.ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                int total = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                int done = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
                long rewrapped = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                var workers = new List<ClaimedKeyRangeWorker>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var heartbeat = reader.GetFieldValue<DateTime>(2);
                    workers.Add(new ClaimedKeyRangeWorker(
                        reader.GetString(0),
                        Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture),
                        new DateTimeOffset(heartbeat.ToUniversalTime())));
                }

                return new ClaimedKeyRangeStatus(runId, total, done, rewrapped, workers);
            },
            cancellationToken).ConfigureAwait(false);
    }
}
