using System.Data.Common;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// Any other database: one conditional update per row, <c>UPDATE t SET c = @n WHERE key = @k AND c = @o</c>, counted by
/// its affected rows, in the batch's transaction.
/// </summary>
internal sealed class RowByRowUpdate(UpdateSqlParts sql) : IRowUpdateStrategy
{
    public async Task<List<object>> WriteAsync(DbConnection connection, DbTransaction transaction, List<RowUpdate> updates, CancellationToken cancellationToken)
    {
        var written = new List<object>(updates.Count);
        foreach (var (row, newValues) in updates)
        {
            var command = connection.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = transaction;
            command.CommandText = Sql(row, newValues, command);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                written.Add(row.Key);
            }
        }

        return written;
    }

    /// <summary>An update that applies only while the row holds every ciphertext that was read.</summary>
    private string Sql(StoredRow row, object?[] newValues, DbCommand command)
    {
        var set = new List<string>();
        var where = new List<string> { $"{sql.Map.KeyColumn} = @k" };
        ContextCommand.Parameter(command, "@k", row.Key, null);
        for (int i = 0; i < newValues.Length; i++)
        {
            var column = sql.Columns[i];
            if (!ReferenceEquals(newValues[i], row.Values[i]))
            {
                set.Add($"{column.Column} = @n{i}");
                ContextCommand.Parameter(command, $"@n{i}", newValues[i], null);
            }

            sql.AddKeyVersion(set, column);
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

        return $"UPDATE {sql.Map.Table} SET {string.Join(", ", set)} WHERE {string.Join(" AND ", where)}";
    }
}
