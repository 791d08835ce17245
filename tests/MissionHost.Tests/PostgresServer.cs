using Npgsql;
using Shared.Tests;

namespace MissionHost.Tests;

/// <summary>
/// The PostgreSQL server named by VERSIONEDENVELOPE_POSTGRES (.ci/run starts one): each test gets a database of its own,
/// which the sample's migration creates, dropped afterwards. Without a server the test is skipped, and fails under CI.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _server;
    private readonly string _name;

    private PostgresServer(string server)
    {
        _server = server;
        _name = $"missionhost_test_{Guid.NewGuid():N}";
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = _name }.ToString();
    }

    /// <summary>A database that does not exist yet: the sample creates it.</summary>
    public string ConnectionString { get; }

    public static PostgresServer Require() => new(PostgresTestServer.RequireConnectionString());

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
