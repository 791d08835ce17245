using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Keys;
using Spectre.Console;

namespace MissionHost.Commands;

/// <summary>
/// <c>legacy-seed --users N --count M</c>: a database as the application left it before Phase 9. The schema of the
/// first migration only; API keys encrypted the old way (AES-256-GCM under one raw key, <c>nonce ‖ ciphertext ‖ tag</c>
/// in base64, no header, no key version); missions with a cost and no <c>agentCosts</c>.
/// </summary>
internal static class LegacySeedCommand
{
    /// <summary><c>legacy-seed</c>: its options, and the work it hands to Program.</summary>
    public static Command Create(ChooseCommand choose)
    {
        var command = new Command(
            "legacy-seed",
            "Write a database as it was before Phase 9: the first migration's schema, API keys in headerless AES-GCM under one raw key, missions without agentCosts.");
        var database = CommandLine.Database(command);
        var users = CommandLine.Add(command, CommandLine.Users());
        var count = CommandLine.Add(command, CommandLine.Count("Missions from before Phase 9 to add.", 5, min: 0));
        command.SetAction(r => choose(async ct =>
        {
            await RunAsync(database.Bind(r).Target(), r.GetValue(users), r.GetValue(count), ct);
            return 0;
        }));
        return command;
    }

    /// <summary>What the old application bound each API key to, which the encrypted property's associated data keeps.</summary>
    public const string ApiKeyAssociatedData = "UserProfile.ApiKey";

    private const int RowsPerStatement = 500;

    public static async Task RunAsync(DatabaseTarget target, int users, int missions, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target.Paths.Directory);
        await using var context = target.CreateContext();
        var applied = await MissionSchema.AppliedAsync(context, cancellationToken);
        if (applied.Any(name => name != MissionSchema.InitialSchema))
        {
            throw new SampleException($"The database ({target.Describe()}) is already past {MissionSchema.InitialSchema} ({string.Join(", ", applied)}); 'legacy-seed' writes only into a database before Phase 9. Use a new --db or an empty PostgreSQL database.");
        }

        await MissionSchema.MigrateAsync(context, MissionSchema.InitialSchema, cancellationToken);
        var legacyKey = LegacyKeySource.Load(target.Paths, mayCreate: true)!;
        try
        {
            var connection = context.Database.GetDbConnection();
            await context.Database.OpenConnectionAsync(cancellationToken);
            long first = await ScalarAsync(connection, """SELECT COUNT(*) FROM "UserProfile" """, cancellationToken) + 1;
            using var aes = new AesGcm(legacyKey, 16);
            await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask($"Writing {users:N0} profiles the pre-Phase-9 way", maxValue: users);
                    for (long start = first; start < first + users; start += RowsPerStatement)
                    {
                        long end = Math.Min(first + users, start + RowsPerStatement);
                        var rows = new List<object[]>();
                        for (long n = start; n < end; n++)
                        {
                            string email = SampleSecrets.Email(n);
                            rows.Add([email, EncryptTheOldWay(aes, SampleSecrets.ApiKey(email))]);
                        }

                        await InsertAsync(connection, "UserProfile", ["email", "apiKey"], rows, cancellationToken);
                        task.Increment(end - start);
                    }
                });

            long firstMission = await ScalarAsync(connection, """SELECT COUNT(*) FROM "Mission" """, cancellationToken) + 1;
            var missionRows = new List<object[]>();
            var completed = DateTimeOffset.UtcNow.AddDays(-missions);
            for (long n = firstMission; n < firstMission + missions; n++)
            {
                string name = string.Create(CultureInfo.InvariantCulture, $"legacy-mission-{n:D4}");
                completed = completed.AddDays(1);
                missionRows.Add([name, SampleSecrets.LegacyMissionCost(name), completed.AddMinutes(-5), completed]);
            }

            if (missionRows.Count > 0)
            {
                await InsertAsync(connection, "Mission", ["name", "cost", "startedAt", "completedAt"], missionRows, cancellationToken);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(legacyKey);
        }

        AnsiConsole.MarkupLine($"Wrote [bold]{users:N0}[/] profiles with headerless AES-GCM API keys and [bold]{missions}[/] missions without agentCosts, on the pre-Phase-9 schema ({Markup.Escape(target.Describe())}).");
    }

    /// <summary>Base64 of nonce ‖ ciphertext ‖ tag under the raw key: what the application stored before versioning.</summary>
    public static string EncryptTheOldWay(AesGcm aes, string secret)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var output = new byte[12 + plaintext.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        aes.Encrypt(output.AsSpan(0, 12), plaintext, output.AsSpan(12, plaintext.Length), output.AsSpan(12 + plaintext.Length), Encoding.UTF8.GetBytes(ApiKeyAssociatedData));
        CryptographicOperations.ZeroMemory(plaintext);
        return Convert.ToBase64String(output);
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>One multi-row INSERT (the old schema has no EF Core model, so no entities to add).</summary>
    private static async Task InsertAsync(DbConnection connection, string table, string[] columns, List<object[]> rows, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder($"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ");
        for (int r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (int c = 0; c < columns.Length; c++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = string.Create(CultureInfo.InvariantCulture, $"@p{r}_{c}");
                parameter.Value = rows[r][c];
                command.Parameters.Add(parameter);
                sql.Append(c == 0 ? "" : ", ").Append(parameter.ParameterName);
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
