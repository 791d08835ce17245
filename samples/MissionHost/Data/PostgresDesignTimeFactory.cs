using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MissionHost.Data;

/// <summary>For <c>dotnet ef migrations add … --context PostgresMissionDbContext</c>; no database is opened.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresMissionDbContext>
{
    public PostgresMissionDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresMissionDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
