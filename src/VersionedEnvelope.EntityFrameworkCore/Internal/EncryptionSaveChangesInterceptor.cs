using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// Before a save: encrypts the values about to be written (their converters then use these ciphertexts), sets each
/// <c>keyVersion</c> property to the version in the header just written, and marks for rewriting the encrypted values of
/// modified entities that were read from legacy or older-version ciphertexts. Unchanged entities are never written:
/// that would overwrite a newer value another process saved.
/// </summary>
internal sealed class EncryptionSaveChangesInterceptor : SaveChangesInterceptor
{
    public static readonly EncryptionSaveChangesInterceptor Instance = new();

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

            foreach (var property in entry.Metadata.GetProperties())
            {
                if (GetCodec(property) is { } codec)
                {
                    Prepare(entry, property, codec);
                }
            }
        }
    }

    private static void Prepare(EntityEntry entry, IProperty property, EncryptedColumnCodec codec)
    {
        var value = entry.Property(property.Name);
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

        int version = value.CurrentValue is { } plaintext ? codec.Prepare(plaintext) : codec.Encryptor.ActiveKeyVersion;
        if (codec.KeyVersionProperty is { } keyVersionProperty)
        {
            var keyVersion = entry.Property(keyVersionProperty);
            if (keyVersion.CurrentValue is not int stored || stored != version)
            {
                keyVersion.CurrentValue = version;
            }
        }
    }

    internal static EncryptedColumnCodec? GetCodec(IReadOnlyProperty property) => property.GetValueConverter() switch
    {
        EncryptedTextConverter text => text.Codec,
        EncryptedBinaryConverter binary => binary.Codec,
        _ => null,
    };
}
