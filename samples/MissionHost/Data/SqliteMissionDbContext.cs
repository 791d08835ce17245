using Microsoft.EntityFrameworkCore;

namespace MissionHost.Data;

/// <summary>The embedded default: one SQLite file.</summary>
internal sealed class SqliteMissionDbContext(DbContextOptions<SqliteMissionDbContext> options) : MissionDbContext(options)
{
    public override bool IsPostgres => false;

    protected override string JsonColumnType => "TEXT";
}
