using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Counts one encrypted column's values by the key version in their headers (text columns in SQL, binary ones header by header).</summary>
internal static class ColumnKeyUsage
{
    public static async Task<KeyUsageInventory> CountAsync(
        DbContext context, EncryptedTableMap map, EncryptedColumnMap column, CancellationToken cancellationToken)
    {
        var inventory = new KeyUsageInventory();
        return await ContextCommand.RunAsync(
            context,
            async command =>
            {
                if (!column.IsText)
                {
                    command.CommandText = $"SELECT {column.Column} FROM {map.Table} WHERE {column.Column} IS NOT NULL";
                    var values = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using var valuesLifetime = values.ConfigureAwait(false);
                    while (await values.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        inventory.Add(values.GetFieldValue<byte[]>(0));
                    }

                    return inventory;
                }

                // VE1 values are counted by version in SQL. The few values without the ve1 prefix are read and classified by
                // the same rule as the in-memory inventory (base64 of a possible legacy ciphertext, or malformed), so both
                // give one answer for the same data.
                var versions = KnownVersions(context, column);
                var (total, withoutPrefix, perVersion) = await VersionPrefixCounts
                    .QueryAsync(command, map.Table, column.Column, "ve1", versions, cancellationToken)
                    .ConfigureAwait(false);
                inventory.Add(VersionPrefixCounts.ToInventory(total, withoutPrefix, versions, perVersion));
                if (withoutPrefix > 0)
                {
                    command.CommandText = $"SELECT {column.Column} FROM {map.Table} WHERE {column.Column} IS NOT NULL AND {column.Column} NOT LIKE 've1:%'";
                    var others = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using var othersLifetime = others.ConfigureAwait(false);
                    while (await others.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        inventory.Add(others.GetString(0));
                    }
                }

                return inventory;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every version the ring knows, or 1 to the active version when the context was given no ring.</summary>
    private static List<int> KnownVersions(DbContext context, EncryptedColumnMap column)
    {
        var extension = context.GetService<IDbContextOptions>().FindExtension<EncryptionOptionsExtension>();
        return extension?.KeyRing?.Current.Keys.Select(k => k.Version).ToList()
            ?? [.. Enumerable.Range(1, column.Codec.Encryptor.ActiveKeyVersion)];
    }
}
