using Microsoft.EntityFrameworkCore;

namespace MissionHost.Data;

/// <summary>Contexts of the chosen provider's type, with the encrypted properties bound to the host's encryptor.</summary>
internal sealed class MissionDbContextFactory(DatabaseTarget target, IServiceProvider services) : IDbContextFactory<MissionDbContext>
{
    public MissionDbContext CreateDbContext() => target.CreateContext(options => options.UseVersionedEnvelope(services));
}
