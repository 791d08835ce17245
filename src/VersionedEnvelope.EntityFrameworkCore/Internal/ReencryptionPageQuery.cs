using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VersionedEnvelope.Reencryption.Internal;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// One page of rows that may need work, by keyset (<c>WHERE key &gt; @after [AND key &lt;= @upTo] AND stale ORDER BY key
/// LIMIT n</c>, never OFFSET). A VE1 text value that a rewrap needs only the head of is read by its start and length.
/// </summary>
internal sealed class ReencryptionPageQuery(EncryptedTableMap map, RowRewrite rewrite, SqlDialect dialect, int pageSize, object? upTo)
{
    public async Task<List<StoredRow>> ReadAsync(DbContext context, object? after, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = connection.CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = Sql(command, after);
            var columns = rewrite.Columns;
            var rows = new List<StoredRow>(pageSize);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerLifetime = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var values = new object?[columns.Count];
                var versions = new int?[columns.Count];
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

                rows.Add(new StoredRow(reader.GetValue(0), values, versions));
            }

            return rows;
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private string Sql(System.Data.Common.DbCommand command, object? after)
    {
        var (top, limit) = dialect.RowLimit(pageSize);

        // Three columns each: the value (or, for a VE1 text value a rewrap needs only the head of, its start), its length
        // when only the start was read, and its keyVersion column.
        var select = new StringBuilder($"SELECT {top}{map.KeyColumn}");
        foreach (var column in rewrite.Columns)
        {
            string c = column.Column;
            select.Append(", ").Append(column.HeadOnly && dialect.RewritesTextInPlace
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
            where.Add($"{map.KeyColumn} > @after");
            ContextCommand.Parameter(command, "@after", after, null);
        }

        if (upTo is not null)
        {
            where.Add($"{map.KeyColumn} <= @upTo");
            ContextCommand.Parameter(command, "@upTo", upTo, null);
        }

        if (rewrite.StalePredicate() is { } stale)
        {
            where.Add(stale);
        }

        select.Append(CultureInfo.InvariantCulture, $" FROM {map.Table}");
        if (where.Count > 0)
        {
            select.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        select.Append(CultureInfo.InvariantCulture, $" ORDER BY {map.KeyColumn}{limit}");
        return select.ToString();
    }
}
