using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MissionHost.Data;

/// <summary>For <c>dotnet ef migrations add … --context SqliteMissionDbContext</c>; no database is opened.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMissionDbContext>
{
    public SqliteMissionDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteMissionDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
