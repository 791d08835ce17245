using System.Data.Common;
using System.Globalization;
using System.Text;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// Counts a text column's values by the version in their prefix (<c>ve1:vN:</c> for ciphertexts, <c>bi1:vN:</c> for
/// blind indexes) in one query: the non-null values, those without the format's prefix, and those under each version.
/// </summary>
internal static class VersionPrefixCounts
{
    /// <summary>Runs the count on <paramref name="command"/>; <c>PerVersion[i]</c> counts <c>versions[i]</c>.</summary>
    public static async Task<(long Total, long WithoutPrefix, long[] PerVersion)> QueryAsync(
        DbCommand command, string table, string column, string format, IReadOnlyList<int> versions, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder().Append(CultureInfo.InvariantCulture, $"SELECT COUNT({column}), SUM(CASE WHEN {column} NOT LIKE '{format}:%' THEN 1 "
            + $"ELSE 0 END)");
        foreach (int version in versions)
        {
            sql.Append(CultureInfo.InvariantCulture, $", SUM(CASE WHEN {column} LIKE '{format}:v{version}:%' THEN 1 ELSE 0 END)");
        }

        command.CommandText = sql.Append(CultureInfo.InvariantCulture, $" FROM {table}").ToString();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var perVersion = new long[versions.Count];
        for (int i = 0; i < perVersion.Length; i++)
        {
            perVersion[i] = Count(reader, 2 + i);
        }

        return (Count(reader, 0), Count(reader, 1), perVersion);
    }

    /// <summary>
    /// The inventory of the counts: each known version's, and as malformed the values with the prefix under a version
    /// the ring does not have (they cannot be read, as the in-memory rule says).
    /// </summary>
    public static KeyUsageInventory ToInventory(long total, long withoutPrefix, IReadOnlyList<int> versions, long[] perVersion)
    {
        var counts = new Dictionary<int, long>();
        for (int i = 0; i < versions.Count; i++)
        {
            if (perVersion[i] > 0)
            {
                counts[versions[i]] = perVersion[i];
            }
        }

        return KeyUsageInventory.FromCounts(counts, malformed: total - withoutPrefix - counts.Values.Sum());
    }

    /// <summary>A count column, which is NULL (a SUM over no rows) or any integer type depending on the provider.</summary>
    public static long Count(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
}
