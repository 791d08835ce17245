using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// Before a save: encrypts the values about to be written to columns with a <c>keyVersion</c> property (their converters
/// then use these ciphertexts) and sets that property to the version in the header, and marks for rewriting the encrypted values of
/// modified entities that were read from legacy or older-version ciphertexts. Unchanged entities are never written:
/// that would overwrite a newer value another process saved.
/// </summary>
internal sealed class EncryptionSaveChangesInterceptor : SaveChangesInterceptor
{
    public static readonly EncryptionSaveChangesInterceptor Instance = new();

    /// <summary>Each entity type's encrypted properties, found once per model rather than on every save.</summary>
    private static readonly ConditionalWeakTable<IEntityType, (IProperty Property, EncryptedColumnCodec Codec)[]> EncryptedProperties = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Prepare(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Prepare(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Prepare(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        if (context.ChangeTracker.AutoDetectChangesEnabled)
        {
            context.ChangeTracker.DetectChanges();
        }

        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }

            foreach (var (property, codec) in EncryptedProperties.GetValue(entry.Metadata, FindEncryptedProperties))
            {
                Prepare(entry, property, codec);
            }
        }
    }

    private static (IProperty, EncryptedColumnCodec)[] FindEncryptedProperties(IEntityType entityType) =>
        [.. from property in entityType.GetProperties() let codec = GetCodec(property) where codec is not null select (property, codec)];

    private static void Prepare(EntityEntry entry, IProperty property, EncryptedColumnCodec codec)
    {
        var value = entry.Property(property);
        bool written = entry.State == EntityState.Added || value.IsModified;
        if (!written && value.CurrentValue is { } current && codec.NeedsRewrite(current))
        {
            value.IsModified = true;
            written = true;
        }

        if (!written)
        {
            return;
        }

        // Without a keyVersion property the converter encrypts the value when the command is built; with one, it is
        // encrypted here so the column can be set to the version in the header that will be written.
        if (codec.KeyVersionProperty is not { } keyVersionProperty)
        {
            return;
        }

        int version = value.CurrentValue is { } plaintext ? codec.Prepare(plaintext) : codec.Encryptor.ActiveKeyVersion;
        var keyVersion = entry.Property(keyVersionProperty);
        if (keyVersion.CurrentValue is not int stored || stored != version)
        {
            keyVersion.CurrentValue = version;
        }
    }

    internal static EncryptedColumnCodec? GetCodec(IReadOnlyProperty property) => property.GetValueConverter() switch
    {
        EncryptedTextConverter text => text.Codec,
        EncryptedBinaryConverter binary => binary.Codec,
        _ => null,
    };
}
