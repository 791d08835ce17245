using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Adds the encrypted-property convention, first among the finalizing conventions (before type mapping).</summary>
internal sealed class EncryptionConventionSetPlugin(IDbContextOptions options) : IConventionSetPlugin
{
    public ConventionSet ModifyConventions(ConventionSet conventionSet)
    {
        var extension = options.FindExtension<EncryptionOptionsExtension>();
        conventionSet.ModelFinalizingConventions.Insert(0, new EncryptedPropertyConvention(extension?.Encryptor, extension?.KeyRing));
        return conventionSet;
    }
}
