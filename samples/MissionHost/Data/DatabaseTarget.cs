using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using MissionHost.Hosting;
using Npgsql;

namespace MissionHost.Data;

/// <summary>
/// Which database the host uses: the embedded SQLite file (the default) or PostgreSQL (<c>--postgres</c>, or the
/// configuration key <c>MissionHost:Postgres</c>). Also where the development key files and reports go.
/// </summary>
internal sealed record DatabaseTarget(DataPaths Paths, string? PostgresConnectionString)
{
    public bool IsPostgres => PostgresConnectionString is not null;

    /// <summary>For messages: the SQLite path, or PostgreSQL's host, port and database (never the password).</summary>
    public string Describe()
    {
        if (PostgresConnectionString is null)
        {
            return Paths.Database;
        }

        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString);
        return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
    }

    public static DatabaseTarget Sqlite(string databasePath) => new(DataPaths.For(databasePath), null);

    /// <summary>
    /// PostgreSQL, with the development files (root key, legacy key, reports) in <paramref name="dataDirectory"/>.
    /// </summary>
    public static DatabaseTarget Postgres(string connectionString, string dataDirectory)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new SampleException($"The PostgreSQL connection string is not valid: {ex.Message}");
        }

        return new(DataPaths.For(Path.Combine(dataDirectory, "missionhost.db")), connectionString);
    }

    /// <summary>Options for the provider's own context type (whose migrations it has).</summary>
    public DbContextOptions CreateOptions(Action<DbContextOptionsBuilder>? configure = null)
    {
        if (PostgresConnectionString is { } postgres)
        {
            var builder = new DbContextOptionsBuilder<PostgresMissionDbContext>().UseNpgsql(postgres);
            configure?.Invoke(builder);
            return builder.Options;
        }

        var sqlite = new DbContextOptionsBuilder<SqliteMissionDbContext>().UseSqlite(
            new SqliteConnectionStringBuilder { DataSource = Paths.Database, DefaultTimeout = 5 }.ToString());
        configure?.Invoke(sqlite);
        return sqlite.Options;
    }

    /// <summary>A context of the provider's type.</summary>
    public MissionDbContext CreateContext(Action<DbContextOptionsBuilder>? configure = null) => CreateOptions(configure) switch
    {
        DbContextOptions<PostgresMissionDbContext> postgres => new PostgresMissionDbContext(postgres),
        DbContextOptions<SqliteMissionDbContext> sqlite => new SqliteMissionDbContext(sqlite),
        var other => throw new InvalidOperationException($"Unexpected options {other.GetType()}."),
    };
}
