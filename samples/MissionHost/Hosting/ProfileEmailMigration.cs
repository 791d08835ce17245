using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using VersionedEnvelope;

namespace MissionHost.Hosting;

/// <summary>
/// The data half of the <c>EncryptedEmailWithBlindIndex</c> migration: emails written in clear before it are encrypted
/// and given their blind index, a batch of profiles per transaction, by keyset on <c>id</c>. Each update applies only
/// while the row still holds the email that was read, so a profile another host changed meanwhile is left as it is (its
/// save already encrypted it). Run again, it finds nothing to do.
/// </summary>
internal static class ProfileEmailMigration
{
    public const int BatchSize = 1_000;

    /// <summary>Encrypts every clear email; returns how many it encrypted.</summary>
    public static async Task<long> RunAsync(SampleHost host, CancellationToken cancellationToken)
    {
        // Rings made before blind indexes have no index key: the migration adds one (new rings have one already).
        if (host.KeyRing.Current.ActiveIndexKey is null)
        {
            await host.KeyRing.RotateIndexKeyAsync("MissionHost migrate", cancellationToken);
        }

        var indexer = new BlindIndexer(host.KeyRing);
        await using var context = host.CreateContext();
        await context.Database.OpenConnectionAsync(cancellationToken);
        var connection = context.Database.GetDbConnection();
        long encrypted = 0, last = 0;
        while (true)
        {
            var page = await ReadClearEmailsAsync(connection, last, cancellationToken);
            if (page.Count == 0)
            {
                return encrypted;
            }

            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                await using var update = connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = $"""UPDATE "UserProfile" SET "email" = @email, "{ProfileEmail.IndexColumn}" = @index WHERE "id" = @id AND "email" = @clear""";
                var (email, index, id, clear) = (Add(update, "@email"), Add(update, "@index"), Add(update, "@id"), Add(update, "@clear"));
                foreach (var (rowId, address) in page)
                {
                    email.Value = host.Encryptor.EncryptString(address, ProfileEmail.AssociatedData);
                    index.Value = indexer.Compute(ProfileEmail.IndexName, ProfileEmail.IndexBits, ProfileEmail.Normalize(address));
                    id.Value = rowId;
                    clear.Value = address;
                    encrypted += await update.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(CancellationToken.None);
            }

            last = page[^1].Id;
        }
    }

    private static async Task<List<(long Id, string Email)>> ReadClearEmailsAsync(DbConnection connection, long after, CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.CommandText = $"""SELECT "id", "email" FROM "UserProfile" WHERE "id" > @after AND "email" NOT LIKE 've1:%' ORDER BY "id" LIMIT {BatchSize}""";
        Add(select, "@after").Value = after;
        var page = new List<(long, string)>(BatchSize);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add((Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1)));
        }

        return page;
    }

    private static DbParameter Add(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
