using System.CommandLine;

namespace MissionHost.Commands;

/// <summary>A command's --db and --postgres options, bound to their values.</summary>
/// <param name="Db">--db.</param>
/// <param name="Postgres">--postgres.</param>
internal sealed record DatabaseOptions(Option<FileInfo> Db, Option<string> Postgres)
{
    public DatabaseArguments Bind(ParseResult result) => new(result.GetValue(Db)?.ToString(), result.GetValue(Postgres));
}
