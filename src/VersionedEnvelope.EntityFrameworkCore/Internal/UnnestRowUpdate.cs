using System.Data.Common;
using System.Globalization;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>PostgreSQL.</summary>
/// <remarks>
/// The rows in one statement with one array parameter per column, <c>UPDATE t SET c = d.n0 || substr(t.c, length(d.o0)
/// + 1) FROM unnest(@k, @o0, @l0, @n0) AS d(k, o0, l0, n0) WHERE t.key = d.k AND substr(t.c, 1, length(d.o0)) = d.o0
/// AND length(t.c) = d.l0 RETURNING t.key</c> for a text column (a binary one compares and sets the whole value). Keys
/// of a type without an array form go to <paramref name="fallback"/>.
/// </remarks>
internal sealed class UnnestRowUpdate(UpdateSqlParts sql, IRowUpdateStrategy fallback) : IRowUpdateStrategy
{
    public async Task<List<object>> WriteAsync(DbConnection connection, DbTransaction transaction, List<RowUpdate> updates, CancellationToken cancellationToken)
    {
        if (KeyArray(updates) is not { } keys)
        {
            return await fallback.WriteAsync(connection, transaction, updates, cancellationToken).ConfigureAwait(false);
        }

        var written = new List<object>(updates.Count);
        var command = connection.CreateCommand();
        await using var commandLifetime = command.ConfigureAwait(false);
        command.Transaction = transaction;
        command.CommandText = Sql(updates, keys, command);
        await UpdateSqlParts.ReadReturnedKeysAsync(command, written, cancellationToken).ConfigureAwait(false);
        return written;
    }

    private string Sql(List<RowUpdate> updates, Array keys, DbCommand command)
    {
        ContextCommand.Parameter(command, "@k", keys, null);
        var columns = new List<string> { "k" };
        var set = new List<string>();
        var where = new List<string> { $"{sql.Map.Table}.{sql.Map.KeyColumn} = d.k" };
        for (int i = 0; i < sql.Columns.Count; i++)
        {
            var column = sql.Columns[i];
            string old = string.Create(CultureInfo.InvariantCulture, $"o{i}");
            string @new = string.Create(CultureInfo.InvariantCulture, $"n{i}");
            string? length = null;
            if (sql.InPlace(column))
            {
                var writes = updates.Select(u => UpdateSqlParts.TextWrite(u.Row.Values[i], u.NewValues[i])).ToArray();
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
                ContextCommand.Parameter(command, $"@{old}", BinaryArray(updates, u => u.Row.Values[i]), null);
                columns.Add(old);
                if (column.Written)
                {
                    ContextCommand.Parameter(command, $"@{@new}", BinaryArray(updates, u => u.NewValues[i]), null);
                    columns.Add(@new);
                }
            }

            sql.AddCondition(where, column, $"d.{old}", length is null ? null : $"d.{length}");
            sql.AddAssignment(set, column, $"d.{old}", length is null ? null : $"d.{length}", $"d.{@new}");
        }

        string arguments = string.Join(", ", columns.Select(c => "@" + c));
        return $"UPDATE {sql.Map.Table} SET {string.Join(", ", set)} FROM unnest({arguments}) AS d({string.Join(", ", columns)}) "
            + $"WHERE {string.Join(" AND ", where)} RETURNING {sql.Map.Table}.{sql.Map.KeyColumn}";
    }

    /// <summary>The rows' keys as a typed array (sent as one array parameter), for the usual key types; null for others.</summary>
    private static Array? KeyArray(List<RowUpdate> updates) => updates[0].Row.Key switch
    {
        int => updates.Select(u => (int)u.Row.Key).ToArray(),
        long => updates.Select(u => (long)u.Row.Key).ToArray(),
        Guid => updates.Select(u => (Guid)u.Row.Key).ToArray(),
        string => updates.Select(u => (string)u.Row.Key).ToArray(),
        _ => null,
    };

    /// <summary>A binary column's old or new values as one array (text columns are written in place).</summary>
    private static byte[]?[] BinaryArray(List<RowUpdate> updates, Func<RowUpdate, object?> pick) => [.. updates.Select(u => (byte[]?)pick(u))];
}
