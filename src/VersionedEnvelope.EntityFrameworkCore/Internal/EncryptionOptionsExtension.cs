using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Carries the encryptor into EF Core's internal services.</summary>
/// <remarks>
/// A convention binds every encrypted property to it, and the model cache key includes it, so contexts of one type
/// configured with different encryptors (two hosts in one process) never share converters.
/// </remarks>
internal sealed class EncryptionOptionsExtension(IEnvelopeEncryptor encryptor, IKeyRingProvider? keyRing) : IDbContextOptionsExtension
{
    private DbContextOptionsExtensionInfo? _info;

    public IEnvelopeEncryptor Encryptor { get; } = encryptor;

    /// <summary>The ring behind the encryptor, when known: the inventory counts every version in it.</summary>
    public IKeyRingProvider? KeyRing { get; } = keyRing;

    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services)
    {
        new EntityFrameworkServicesBuilder(services).TryAdd<IConventionSetPlugin, EncryptionConventionSetPlugin>();
        services.Replace(ServiceDescriptor.Singleton<IModelCacheKeyFactory, EncryptionModelCacheKeyFactory>());
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => "UsingVersionedEnvelope ";

        // The services are the same for every encryptor; the encryptor itself goes into the model cache key.
        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) =>
            debugInfo["VersionedEnvelope:Encryption"] = "1";
    }
}
