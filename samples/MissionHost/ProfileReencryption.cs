using System.Globalization;
using Microsoft.Data.Sqlite;
using VersionedEnvelope;

namespace MissionHost;

/// <summary>
/// Moves every stored API key to the active key version: reads profiles page by page, lets the library rewrap the stale
/// ones, and saves each batch together with its checkpoint in one transaction. Shared by the console and the web host.
/// </summary>
internal sealed class ProfileReencryption(Database database, BatchReencryptor reencryptor, KeyRingManager keyRing, IEnvelopeEncryptor encryptor)
{
    private const string CheckpointName = "reencrypt-apiKey";
    private const int PageSize = 1000;

    public sealed record Row(long Id, string ApiKey);

    /// <summary>The unfinished run, if any: its target version and the last profile saved.</summary>
    public (int? TargetVersion, string? LastId) ReadCheckpoint()
    {
        using var connection = database.Open();
        using var command = Database.Command(connection, "SELECT targetVersion, lastId FROM Checkpoint WHERE name = $name AND done = 0", null, ("$name", CheckpointName));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (null, null);
    }

    /// <summary>Whether an unfinished run targets the active version (then resume it rather than rotate again).</summary>
    public bool HasUnfinishedRun(out string? resumeAfter)
    {
        var (target, last) = ReadCheckpoint();
        resumeAfter = last;
        return target is not null && target == encryptor.ActiveKeyVersion;
    }

    /// <summary>The key version every secret should be under.</summary>
    public int ActiveVersion => encryptor.ActiveKeyVersion;

    /// <summary>Profiles whose secret is not under <paramref name="activeVersion"/> (by the indexed keyVersion column).</summary>
    public long CountStale(int activeVersion)
    {
        using var connection = database.Open();
        return Database.Scalar<long>(connection, "SELECT COUNT(*) FROM UserProfile WHERE keyVersion <> $version", ("$version", activeVersion));
    }

    public void Begin(int targetVersion)
    {
        using var connection = database.Open();
        Database.Execute(connection, "INSERT OR REPLACE INTO Checkpoint (name, targetVersion, lastId, done) VALUES ($name, $version, NULL, 0)", null, ("$name", CheckpointName), ("$version", targetVersion));
    }

    public long CountAfter(string? lastId)
    {
        using var connection = database.Open();
        return Database.Scalar<long>(connection, "SELECT COUNT(*) FROM UserProfile WHERE id > $after", ("$after", Parse(lastId)));
    }

    /// <summary>Runs (or resumes) the re-encryption; marks the checkpoint done when every profile was seen.</summary>
    public async Task<ReencryptionSummary> RunAsync(string? resumeAfter, Action<ReencryptionBatch<Row>>? onSaved, CancellationToken cancellationToken)
    {
        string history = RotationHistoryJson.Write(keyRing.GetRotationHistory());
        using var connection = database.Open();
        var options = new ReencryptionOptions<Row>
        {
            GetId = row => row.Id.ToString(CultureInfo.InvariantCulture),
            GetCiphertext = row => row.ApiKey,
            GetAssociatedData = row => SeedCommand.AssociatedData(row.Id),
            BatchSize = 500,
            MaxDegreeOfParallelism = Environment.ProcessorCount,
            SaveBatchAsync = (batch, _) =>
            {
                SaveBatch(connection, batch, history);
                onSaved?.Invoke(batch);
                return ValueTask.CompletedTask;
            },
        };
        var summary = await reencryptor.RunAsync(ReadProfiles(resumeAfter, cancellationToken), options, cancellationToken);
        Database.Execute(connection, "UPDATE Checkpoint SET done = 1 WHERE name = $name", null, ("$name", CheckpointName));
        return summary;
    }

    private static void SaveBatch(SqliteConnection connection, ReencryptionBatch<Row> batch, string history)
    {
        using var transaction = connection.BeginTransaction();
        using var update = Database.Command(connection, "UPDATE UserProfile SET apiKey = $apiKey, keyVersion = $version, keyRotationHistory = $history WHERE id = $id", transaction);
        var apiKey = update.Parameters.Add("$apiKey", SqliteType.Text);
        var version = update.Parameters.Add("$version", SqliteType.Integer);
        var id = update.Parameters.Add("$id", SqliteType.Integer);
        update.Parameters.AddWithValue("$history", history);
        foreach (var change in batch.Changed)
        {
            apiKey.Value = change.Ciphertext;
            version.Value = change.ToVersion;
            id.Value = change.Record.Id;
            update.ExecuteNonQuery();
        }

        Database.Execute(connection, "UPDATE Checkpoint SET lastId = $last WHERE name = $name", transaction, ("$last", batch.Checkpoint), ("$name", CheckpointName));
        transaction.Commit();
    }

    /// <summary>Keyset pagination: short queries, so the writer's transactions never wait for a long-running reader.</summary>
    private async IAsyncEnumerable<Row> ReadProfiles(string? after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long last = Parse(after);
        using var connection = database.Open();
        while (true)
        {
            var page = new List<Row>(PageSize);
            using (var command = Database.Command(connection, $"SELECT id, apiKey FROM UserProfile WHERE id > $last ORDER BY id LIMIT {PageSize}", null, ("$last", last)))
            using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    page.Add(new Row(reader.GetInt64(0), reader.GetString(1)));
                }
            }

            foreach (var row in page)
            {
                yield return row;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            last = page[^1].Id;
        }
    }

    private static long Parse(string? id) => id is null ? 0 : long.Parse(id, CultureInfo.InvariantCulture);
}
