using Microsoft.EntityFrameworkCore;

namespace MissionHost.Data;

/// <summary>PostgreSQL through Npgsql: <c>jsonb</c> columns, column comments, the key ring shared by every host.</summary>
internal sealed class PostgresMissionDbContext(DbContextOptions<PostgresMissionDbContext> options) : MissionDbContext(options)
{
    public override bool IsPostgres => true;

    protected override string JsonColumnType => "jsonb";
}
