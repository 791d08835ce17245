using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Keys the cached model by context type, design time and encryptor: each encryptor gets converters bound to it.</summary>
internal sealed class EncryptionModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime)
    {
        // The model binds converters to the encryptor and blind indexes to the key ring: one model per pair.
        var extension = context.GetService<IDbContextOptions>().FindExtension<EncryptionOptionsExtension>();
        return (context.GetType(), designTime, extension?.Encryptor, extension?.KeyRing);
    }

    public object Create(DbContext context) => Create(context, designTime: false);
}
