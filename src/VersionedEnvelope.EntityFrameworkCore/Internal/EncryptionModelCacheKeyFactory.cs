using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Keys the cached model by context type, design time and encryptor: each encryptor gets converters bound to it.</summary>
internal sealed class EncryptionModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        (context.GetType(), designTime, context.GetService<IDbContextOptions>().FindExtension<EncryptionOptionsExtension>()?.Encryptor);

    public object Create(DbContext context) => Create(context, designTime: false);
}
