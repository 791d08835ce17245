using Shared.Tests;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>A fresh, empty database for one test: a temporary SQLite file, or a new database on the PostgreSQL server.</summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public abstract string Provider { get; }

    public abstract void Configure(DbContextOptionsBuilder options);

    /// <summary>A trigger that logs every change of Profiles.ApiKey into ApiKeyWrites(ProfileId).</summary>
    public abstract string ApiKeyWriteTriggerSql { get; }

    public TestDbContext CreateContext(IEnvelopeEncryptor encryptor, IKeyRingProvider? ring = null)
    {
        var options = new DbContextOptionsBuilder<TestDbContext>();
        Configure(options);
        options.UseVersionedEnvelope(encryptor, ring);
        return new TestDbContext(options.Options);
    }

    public async Task CreateSchemaAsync(IEnvelopeEncryptor encryptor)
    {
        await using var context = CreateContext(encryptor);
        await context.Database.EnsureCreatedAsync();
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>A fresh database with the test model's schema.</summary>
    public static async Task<TestDatabase> CreateWithSchemaAsync(string provider, IEnvelopeEncryptor encryptor)
    {
        var db = await CreateAsync(provider);
        await db.CreateSchemaAsync(encryptor);
        return db;
    }

    public static async Task<TestDatabase> CreateAsync(string provider) => provider switch
    {
        "sqlite" => new SqliteTestDatabase(),
        "postgres" => await PostgresTestDatabase.CreateAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };
}

public sealed class SqliteTestDatabase : TestDatabase
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ve-efcore-{Guid.NewGuid():N}.db");

    public override string Provider => "sqlite";

    public string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _path, DefaultTimeout = 30, Pooling = false }.ToString();

    public override void Configure(DbContextOptionsBuilder options) => options.UseSqlite(ConnectionString);

    public override string ApiKeyWriteTriggerSql => """
        CREATE TABLE ApiKeyWrites (ProfileId INTEGER NOT NULL);
        CREATE TRIGGER LogApiKeyWrite AFTER UPDATE OF ApiKey ON Profiles BEGIN INSERT INTO ApiKeyWrites VALUES (NEW.Id); END;
        """;

    public override ValueTask DisposeAsync()
    {
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm", _path + "-journal" })
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A database of its own on the server named by VERSIONEDENVELOPE_POSTGRES, dropped afterwards.</summary>
public sealed class PostgresTestDatabase : TestDatabase
{
    private readonly string _server;
    private readonly string _name;

    private PostgresTestDatabase(string server, string name)
    {
        _server = server;
        _name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 50 }.ToString();
    }

    public override string Provider => "postgres";

    public string ConnectionString { get; }

    public override void Configure(DbContextOptionsBuilder options) => options.UseNpgsql(ConnectionString);

    public override string ApiKeyWriteTriggerSql => """
        CREATE TABLE "ApiKeyWrites" ("ProfileId" integer NOT NULL);
        CREATE FUNCTION log_api_key_write() RETURNS trigger AS $$
        BEGIN INSERT INTO "ApiKeyWrites" VALUES (NEW."Id"); RETURN NEW; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER log_api_key_write AFTER UPDATE OF "ApiKey" ON "Profiles" FOR EACH ROW EXECUTE FUNCTION log_api_key_write();
        """;

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        string server = PostgresTestServer.RequireConnectionString();
        string name = $"ve_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new PostgresTestDatabase(server, name);
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
