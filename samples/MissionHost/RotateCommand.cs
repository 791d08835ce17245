using System.Globalization;
using Microsoft.Data.Sqlite;
using Spectre.Console;
using VersionedEnvelope.Reencryption;
using VersionedEnvelope.Rotation;

namespace MissionHost;

/// <summary>
/// <c>rotate --by NAME</c>: rotates the key ring, then re-encrypts every stale profile in batches, each batch and its
/// checkpoint in one transaction. Re-running it after an interruption resumes the unfinished re-encryption instead of
/// rotating again.
/// </summary>
internal static class RotateCommand
{
    private const string CheckpointName = "reencrypt-apiKey";

    public sealed record Row(long Id, string ApiKey);

    public static async Task<ReencryptionSummary> RunAsync(SampleHost host, string rotatedBy, int? maxBatches, CancellationToken cancellationToken)
    {
        using var connection = host.Database.Open();
        var (target, resumeAfter) = ReadCheckpoint(connection);
        if (target is not null && target == host.Encryptor.ActiveKeyVersion)
        {
            AnsiConsole.MarkupLine($"Resuming the unfinished re-encryption to [bold]v{target}[/] after profile {resumeAfter ?? "(start)"}.");
        }
        else
        {
            var rotation = await host.KeyRing.RotateAsync(rotatedBy, cancellationToken);
            AnsiConsole.MarkupLine($"Rotated: [bold]v{rotation.Version}[/] is active (by {Markup.Escape(rotation.RotatedBy)} at {rotation.RotatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}).");
            Database.Execute(connection, "INSERT OR REPLACE INTO Checkpoint (name, targetVersion, lastId, done) VALUES ($name, $version, NULL, 0)", null, ("$name", CheckpointName), ("$version", rotation.Version));
            resumeAfter = null;
        }

        return await ReencryptAsync(host, connection, resumeAfter, maxBatches, cancellationToken);
    }

    private static async Task<ReencryptionSummary> ReencryptAsync(SampleHost host, SqliteConnection connection, string? resumeAfter, int? maxBatches, CancellationToken cancellationToken)
    {
        int version = host.Encryptor.ActiveKeyVersion;
        string history = RotationHistoryJson.Write(host.KeyRing.GetRotationHistory());
        long total = Database.Scalar<long>(connection, "SELECT COUNT(*) FROM UserProfile WHERE id > $after", ("$after", long.Parse(resumeAfter ?? "0", CultureInfo.InvariantCulture)));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int batches = 0;
        ReencryptionSummary? summary = null;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Re-encrypting profiles to v{version}", maxValue: Math.Max(1, total));
                var options = new ReencryptionOptions<Row>
                {
                    GetId = row => row.Id.ToString(CultureInfo.InvariantCulture),
                    GetCiphertext = row => row.ApiKey,
                    GetAssociatedData = row => SeedCommand.AssociatedData(row.Id),
                    ResumeAfter = null,
                    BatchSize = 500,
                    MaxDegreeOfParallelism = Environment.ProcessorCount,
                    SaveBatchAsync = (batch, ct) =>
                    {
                        SaveBatch(connection, batch, history);
                        task.Increment(batch.Scanned);
                        if (maxBatches is not null && ++batches >= maxBatches)
                        {
                            stop.Cancel();
                        }

                        return ValueTask.CompletedTask;
                    },
                };
                try
                {
                    summary = await host.Reencryptor.RunAsync(ReadProfiles(host.Database, resumeAfter), options, stop.Token);
                    Database.Execute(connection, "UPDATE Checkpoint SET done = 1 WHERE name = $name", null, ("$name", CheckpointName));
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Stopped on purpose (--max-batches): what was saved stays saved, the checkpoint says where to resume.
                }
            });

        if (summary is null)
        {
            var (_, last) = ReadCheckpoint(connection);
            throw new SampleException($"Re-encryption stopped after {batches} batches at profile {last}; run 'rotate' again to finish it.");
        }

        AnsiConsole.MarkupLine($"Re-encrypted [bold]{summary.Rewrapped:N0}[/], skipped {summary.Skipped:N0} already current, {summary.Failed} failed, in {summary.Elapsed.TotalSeconds:F2} s ({summary.Scanned / Math.Max(summary.Elapsed.TotalSeconds, 1e-9):N0} profiles/s).");
        foreach (var failure in summary.Failures.Take(10))
        {
            AnsiConsole.MarkupLine($"[red]  profile {failure.Id}: {failure.Reason}[/]");
        }

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
    private static async IAsyncEnumerable<Row> ReadProfiles(Database database, string? after)
    {
        long last = long.Parse(after ?? "0", CultureInfo.InvariantCulture);
        using var connection = database.Open();
        while (true)
        {
            var page = new List<Row>(1000);
            using (var command = Database.Command(connection, "SELECT id, apiKey FROM UserProfile WHERE id > $last ORDER BY id LIMIT 1000", null, ("$last", last)))
            using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    page.Add(new Row(reader.GetInt64(0), reader.GetString(1)));
                }
            }

            foreach (var row in page)
            {
                yield return row;
            }

            if (page.Count < 1000)
            {
                yield break;
            }

            last = page[^1].Id;
        }
    }

    private static (int? Target, string? LastId) ReadCheckpoint(SqliteConnection connection)
    {
        using var command = Database.Command(connection, "SELECT targetVersion, lastId FROM Checkpoint WHERE name = $name AND done = 0", null, ("$name", CheckpointName));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : (null, null);
    }
}
