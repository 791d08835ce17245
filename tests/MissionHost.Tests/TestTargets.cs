using Microsoft.Data.Sqlite;
using MissionHost.Data;

namespace MissionHost.Tests;

/// <summary>
/// Sample databases for one test class instance, each with a data folder of its own (key files, key ring file): SQLite
/// files, or PostgreSQL databases the sample creates on the test server. All removed when the instance is disposed.
/// </summary>
internal sealed class TestTargets : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("missionhost-db-").FullName;
    private readonly List<PostgresServer> _databases = [];

    public DatabaseTarget Sqlite() => DatabaseTarget.Sqlite(Path.Combine(NewFolder(), "missionhost.db"));

    /// <summary>A PostgreSQL database of its own; skipped without a server (failed under CI).</summary>
    public DatabaseTarget Postgres()
    {
        var database = PostgresServer.Require();
        _databases.Add(database);
        return DatabaseTarget.Postgres(database.ConnectionString, NewFolder());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private string NewFolder() => Directory.CreateDirectory(Path.Combine(_directory, Guid.NewGuid().ToString("N"))).FullName;
}
