using Microsoft.Extensions.Configuration;
using MissionHost.Data;
using MissionHost.Hosting;

namespace MissionHost.Commands;

/// <summary>Where a command's data lives, as its options were parsed: --db (the SQLite file, or the data folder's anchor) and --postgres.</summary>
/// <param name="Db">The --db path as given, if any.</param>
/// <param name="Postgres">The --postgres connection string, if given (a parse error when empty).</param>
internal sealed record DatabaseArguments(string? Db, string? Postgres)
{
    /// <summary>
    /// --postgres, else the configuration key MissionHost:Postgres (appsettings.json or MissionHost__Postgres), else the
    /// SQLite file (<paramref name="dataFile"/>, --db, or ./missionhost-data/missionhost.db).
    /// </summary>
    public DatabaseTarget Target(string? dataFile = null)
    {
        string file = dataFile ?? Db ?? Path.Combine("missionhost-data", "missionhost.db");
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();

        // --postgres was checked when it was parsed; a connection string from the configuration is checked by DatabaseTarget.
        string? postgres = Postgres ?? configuration[SampleHost.PostgresKey];
        return string.IsNullOrWhiteSpace(postgres)
            ? DatabaseTarget.Sqlite(file)
            : DatabaseTarget.Postgres(postgres, Path.GetDirectoryName(Path.GetFullPath(file))!);
    }

    /// <summary>Starts the sample's host on this database, runs <paramref name="run"/> and stops the host.</summary>
    public async Task<int> WithHostAsync(bool createIfMissing, CancellationToken cancellationToken, Func<SampleHost, Task<int>> run)
    {
        await using var host = await SampleHost.StartAsync(Target(), createIfMissing, cancellationToken);
        return await run(host);
    }
}
