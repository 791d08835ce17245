using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>PostgreSQL and SQLite 3.35+.</summary>
/// <remarks>
/// Many rows per statement, <c>UPDATE t SET c = d.new FROM (VALUES (key, old, new), …) AS d WHERE t.key = d.key AND t.c
/// = d.old RETURNING key</c>, in statements of at most the dialect's parameters per update. A text column is written in
/// place as in <see cref="UnnestRowUpdate"/>.
/// </remarks>
internal sealed class ValuesRowUpdate(UpdateSqlParts sql) : IRowUpdateStrategy
{
    public async Task<List<object>> WriteAsync(DbConnection connection, DbTransaction transaction, List<RowUpdate> updates, CancellationToken cancellationToken)
    {
        var written = new List<object>(updates.Count);
        int parametersPerRow = 1 + sql.Columns.Sum(c => sql.InPlace(c) ? 3 : 2);
        foreach (var chunk in updates.Chunk(Math.Max(1, sql.Dialect.ParametersPerUpdate / parametersPerRow)))
        {
            var command = connection.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = transaction;
            command.CommandText = Sql(chunk, command);
            await UpdateSqlParts.ReadReturnedKeysAsync(command, written, cancellationToken).ConfigureAwait(false);
        }

        return written;
    }

    private string Sql(RowUpdate[] rows, DbCommand command)
    {
        var values = new StringBuilder();
        int n = 0;
        foreach (var (row, newValues) in rows)
        {
            values.Append(values.Length == 0 ? "(" : ", (");
            values.Append(ContextCommand.Parameter(command, $"@v{n++}", row.Key, null));
            for (int i = 0; i < sql.Columns.Count; i++)
            {
                var column = sql.Columns[i];
                if (sql.InPlace(column))
                {
                    var (old, length, @new) = UpdateSqlParts.TextWrite(row.Values[i], newValues[i]);
                    values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", old, DbType.String));
                    values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", length, DbType.Int32));
                    values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", column.Written ? @new : null, DbType.String));
                    continue;
                }

                var type = column.IsText ? DbType.String : DbType.Binary;
                values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", row.Values[i], type));
                values.Append(", ").Append(ContextCommand.Parameter(command, $"@v{n++}", column.Written ? newValues[i] : null, type));
            }

            values.Append(')');
        }

        // VALUES columns are column1, column2, … on both PostgreSQL and SQLite: the key, then per column (old, new), or
        // (old head, length, new head) for text rewritten in place.
        var set = new List<string>();
        var where = new List<string> { $"{sql.Map.Table}.{sql.Map.KeyColumn} = d.column1" };
        int next = 2;
        foreach (var column in sql.Columns)
        {
            string old = string.Create(CultureInfo.InvariantCulture, $"d.column{next++}");
            string? length = sql.InPlace(column) ? string.Create(CultureInfo.InvariantCulture, $"d.column{next++}") : null;
            string @new = string.Create(CultureInfo.InvariantCulture, $"d.column{next++}");
            sql.AddCondition(where, column, old, length);
            sql.AddAssignment(set, column, old, length, @new);
        }

        // RETURNING names the rows the condition let through (PostgreSQL; SQLite 3.35+): exactly the ones this batch wrote.
        return $"UPDATE {sql.Map.Table} SET {string.Join(", ", set)} FROM (VALUES {values}) AS d WHERE {string.Join(" AND ", where)} "
            + $"RETURNING {sql.Map.KeyColumn}";
    }
}
