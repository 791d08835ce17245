namespace MissionHost;

/// <summary>What each command does with its typed values (the default flow is <see cref="RunAll"/>).</summary>
/// <param name="RunAll">The default flow: database, profiles, missions, seed.</param>
/// <param name="LegacySeed">legacy-seed: database, profiles, missions.</param>
/// <param name="Migrate">migrate: database.</param>
/// <param name="Seed">seed: database, profiles.</param>
/// <param name="Missions">missions: database, missions, seed.</param>
/// <param name="Rotate">rotate: database, who rotates, the batches to stop after.</param>
/// <param name="Report">report: database, the output folder.</param>
/// <param name="Verify">verify: database.</param>
/// <param name="Serve">serve: database, the URLs to listen on.</param>
internal sealed record CommandHandlers(
    Func<DatabaseArguments, int, int, int, CancellationToken, Task<int>> RunAll,
    Func<DatabaseArguments, int, int, CancellationToken, Task<int>> LegacySeed,
    Func<DatabaseArguments, CancellationToken, Task<int>> Migrate,
    Func<DatabaseArguments, int, CancellationToken, Task<int>> Seed,
    Func<DatabaseArguments, int, int, CancellationToken, Task<int>> Missions,
    Func<DatabaseArguments, string, int?, CancellationToken, Task<int>> Rotate,
    Func<DatabaseArguments, DirectoryInfo, CancellationToken, Task<int>> Report,
    Func<DatabaseArguments, CancellationToken, Task<int>> Verify,
    Func<DatabaseArguments, string, CancellationToken, Task<int>> Serve);
