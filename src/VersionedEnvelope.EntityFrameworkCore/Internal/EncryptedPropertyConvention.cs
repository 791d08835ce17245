using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// Finds encrypted properties (<c>IsEncrypted()</c> or <see cref="EncryptedAttribute"/>), checks them and gives each a
/// converter bound to the context's encryptor and to its column's associated data.
/// </summary>
internal sealed class EncryptedPropertyConvention(IEnvelopeEncryptor? encryptor, IKeyRingProvider? keyRing) : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        var indexer = keyRing is null ? null : new BlindIndexer(keyRing);
        foreach (var entityType in modelBuilder.Metadata.GetEntityTypes())
        {
            foreach (var property in entityType.GetDeclaredProperties())
            {
                var attribute = property.PropertyInfo?.GetCustomAttribute<EncryptedAttribute>(inherit: true);
                if (attribute is not null && property.FindAnnotation(EncryptionAnnotations.Encrypted) is null)
                {
                    property.SetAnnotation(EncryptionAnnotations.Encrypted, true, fromDataAnnotation: true);
                    property.SetAnnotation(EncryptionAnnotations.KeyVersionProperty, attribute.KeyVersionProperty, fromDataAnnotation: true);
                    property.SetAnnotation(EncryptionAnnotations.AssociatedData, attribute.AssociatedData, fromDataAnnotation: true);
                }

                if (property[EncryptionAnnotations.Encrypted] is true)
                {
                    Bind((IMutableProperty)property, encryptor, indexer);
                }
                else if (property[EncryptionAnnotations.BlindIndexProperty] is string)
                {
                    throw new InvalidOperationException(
                        $"{entityType.ShortName()}.{property.Name} has a blind index but is not encrypted: call IsEncrypted() (or add [Encrypted]) on it. A "
                            + $"blind index beside a clear value would protect nothing.");
                }
            }
        }

        CheckKeyVersionsAreNotShared(modelBuilder.Metadata);
    }

    /// <summary>Gives an encrypted property its converter (unbound when the context has no encryptor: it then refuses to convert).</summary>
    public static void Bind(IMutableProperty property, IEnvelopeEncryptor? encryptor, BlindIndexer? indexer = null, BlindIndexDefinition? blindIndex = null)
    {
        // A blind index's normalisation is a delegate, which no annotation can hold (migrations write annotations as
        // code): it travels on the converter's codec from HasBlindIndex to the binding made when the model is finalised.
        blindIndex ??= EncryptionSaveChangesInterceptor.GetCodec(property)?.BlindIndex;
        var entityType = property.DeclaringType;
        string column = $"{entityType.ShortName()}.{property.Name}";
        string? keyVersion = (string?)property[EncryptionAnnotations.KeyVersionProperty];
        string? associatedData = (string?)property[EncryptionAnnotations.AssociatedData] ?? column;
        if (keyVersion is not null)
        {
            var versionProperty = entityType.FindProperty(keyVersion)
                ?? throw new InvalidOperationException($"The encrypted property {column} names the key version property '{keyVersion}', which "
                    + $"{entityType.ShortName()} does not have.");
            if (versionProperty.ClrType != typeof(int) && versionProperty.ClrType != typeof(int?))
            {
                throw new InvalidOperationException($"The key version property {entityType.ShortName()}.{keyVersion} must be an int; it is "
                    + $"{versionProperty.ClrType.Name}.");
            }
        }

        var codec = new EncryptedColumnCodec(encryptor, column, associatedData, keyVersion, blindIndex, indexer);
        if (blindIndex is not null && property.ClrType != typeof(string))
        {
            throw new InvalidOperationException($"The property {column} is {property.ClrType.Name}; only string properties can have a blind index.");
        }

        if (property.ClrType == typeof(string))
        {
            property.SetValueConverter(new EncryptedTextConverter(codec));
        }
        else if (property.ClrType == typeof(byte[]))
        {
            property.SetValueConverter(new EncryptedBinaryConverter(codec));
        }
        else
        {
            throw new InvalidOperationException($"The property {column} is {property.ClrType.Name}; only string and byte[] properties can be encrypted.");
        }
    }

    private static void CheckKeyVersionsAreNotShared(IConventionModel model)
    {
        foreach (var entityType in model.GetEntityTypes())
        {
            var named = entityType.GetProperties()
                .Where(p => p[EncryptionAnnotations.Encrypted] is true && p[EncryptionAnnotations.KeyVersionProperty] is string)
                .GroupBy(p => (string)p[EncryptionAnnotations.KeyVersionProperty]!)
                .FirstOrDefault(g => g.Count() > 1);
            if (named is not null)
            {
                throw new InvalidOperationException(
                    $"The encrypted properties {string.Join(" and ", named.Select(p => p.Name))} of {entityType.ShortName()} share the key version property "
                        + $"'{named.Key}'; each needs its own.");
            }
        }
    }
}
