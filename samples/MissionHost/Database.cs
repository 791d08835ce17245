using Microsoft.Data.Sqlite;

namespace MissionHost;

/// <summary>The sample's SQLite database: profiles with encrypted API keys, missions with their agent costs.</summary>
internal sealed class Database(string path)
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS UserProfile (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL,
            apiKey TEXT NOT NULL,
            keyVersion INTEGER NOT NULL DEFAULT 1,
            keyRotationHistory TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX IF NOT EXISTS UserProfile_keyVersion ON UserProfile (keyVersion);
        CREATE TABLE IF NOT EXISTS Mission (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            cost INTEGER NOT NULL,
            agentCosts TEXT NOT NULL,
            startedAt TEXT NOT NULL,
            completedAt TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS Checkpoint (
            name TEXT PRIMARY KEY,
            targetVersion INTEGER NOT NULL,
            lastId TEXT,
            done INTEGER NOT NULL DEFAULT 0
        );
        """;

    public string Path { get; } = path;

    public bool Exists => File.Exists(Path);

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, DefaultTimeout = 5, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;");
        return connection;
    }

    public void EnsureSchema()
    {
        using var connection = Open();
        Execute(connection, Schema);
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, transaction, parameters);
        command.ExecuteNonQuery();
    }

    public static T Scalar<T>(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, null, parameters);
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The first column of every row, as strings (null for NULL).</summary>
    public static List<string?> ReadStrings(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, null, parameters);
        using var reader = command.ExecuteReader();
        var values = new List<string?>();
        while (reader.Read())
        {
            values.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        }

        return values;
    }

    /// <summary>A UTC time as the rotation history writes it: <c>2026-01-27T08:27:32.000Z</c>.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
