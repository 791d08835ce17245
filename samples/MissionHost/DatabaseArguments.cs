namespace MissionHost;

/// <summary>Where a command's data lives, as its options were parsed: --db (the SQLite file, or the data folder's anchor) and --postgres.</summary>
/// <param name="Db">The --db path as given, if any.</param>
/// <param name="Postgres">The --postgres connection string, if given (a parse error when empty).</param>
internal sealed record DatabaseArguments(string? Db, string? Postgres);
