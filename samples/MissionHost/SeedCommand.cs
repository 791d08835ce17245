using System.Globalization;
using System.Security.Cryptography;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost;

/// <summary><c>seed --users N</c>: user profiles whose API keys are encrypted with associated data <c>UserProfile:{id}:apiKey</c>.</summary>
internal static class SeedCommand
{
    public static async Task RunAsync(SampleHost host, int users, CancellationToken cancellationToken)
    {
        await host.KeyRing.InitializeAsync(cancellationToken);
        string history = RotationHistoryJson.Write(host.KeyRing.GetRotationHistory());
        int version = host.Encryptor.ActiveKeyVersion;
        using var connection = host.Database.Open();
        long first = Database.Scalar<long>(connection, "SELECT COALESCE(MAX(id), 0) FROM UserProfile") + 1;

        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Encrypting {users:N0} API keys under v{version}", maxValue: users);
                const int batchSize = 1000;
                for (long start = first; start < first + users; start += batchSize)
                {
                    using var transaction = connection.BeginTransaction();
                    using var insert = Database.Command(connection, "INSERT INTO UserProfile (id, email, apiKey, keyVersion, keyRotationHistory) VALUES ($id, $email, $apiKey, $version, $history)", transaction);
                    var id = insert.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Integer);
                    var email = insert.Parameters.Add("$email", Microsoft.Data.Sqlite.SqliteType.Text);
                    var apiKey = insert.Parameters.Add("$apiKey", Microsoft.Data.Sqlite.SqliteType.Text);
                    insert.Parameters.AddWithValue("$version", version);
                    insert.Parameters.AddWithValue("$history", history);
                    long end = Math.Min(first + users, start + batchSize);
                    for (long row = start; row < end; row++)
                    {
                        id.Value = row;
                        email.Value = string.Create(CultureInfo.InvariantCulture, $"user{row}@example.com");
                        string secret = "sk-live-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
                        apiKey.Value = host.Encryptor.EncryptString(secret, AssociatedData(row));
                        await insert.ExecuteNonQueryAsync(cancellationToken);
                    }

                    transaction.Commit();
                    task.Increment(end - start);
                }
            });

        AnsiConsole.MarkupLine($"Seeded [bold]{users:N0}[/] profiles (ids {first}–{first + users - 1}); API keys stored as [bold]ve1:v{version}:…[/].");
    }

    public static string AssociatedData(long id) => string.Create(CultureInfo.InvariantCulture, $"UserProfile:{id}:apiKey");
}
