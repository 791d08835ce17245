using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Before a save, for encrypted properties with a <c>keyVersion</c> property.</summary>
/// <remarks>
/// Sets that property to the active key version (the one the converter encrypts under when the command is built), and
/// marks for rewriting the encrypted value of a modified entity whose <c>keyVersion</c>, as read, names another
/// version. It learns versions from the entity alone and keeps no state, so the converters stay pure. For encrypted
/// properties with a blind index, writes the index with the value. Unchanged entities are never written: that would
/// overwrite a newer value another process saved.
/// <para/>
/// The version is read here and the value encrypted a moment later, when EF Core builds the command. Should a new
/// version become active in between, the header is newer than <c>keyVersion</c>: the row then counts as stale, so
/// re-encryption or the next save sets <c>keyVersion</c> again, and the inventory keeps the older version in use until
/// then. The other way round, a header older than its <c>keyVersion</c>, cannot happen.
/// </remarks>
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

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
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

        // Without a keyVersion property the converter encrypts written values when the command is built, and
        // re-encryption finds stale ones by their header.
        if (codec.KeyVersionProperty is { } keyVersionProperty)
        {
            PrepareKeyVersion(entry, value, keyVersionProperty, codec);
        }

        if (codec.BlindIndex is { } blindIndex)
        {
            PrepareBlindIndex(entry, value, blindIndex, codec);
        }
    }

    /// <summary>
    /// Writes the blind index with the value: on insert, when the value changes, and when a modified entity's index is
    /// missing or under an older index key (so saves move indexes forward as a backfill does).
    /// </summary>
    private static void PrepareBlindIndex(EntityEntry entry, PropertyEntry value, BlindIndexDefinition blindIndex, EncryptedColumnCodec codec)
    {
        var stored = entry.Property(blindIndex.IndexProperty);
        string? current = (string?)stored.CurrentValue;
        bool write = entry.State == EntityState.Added || value.IsModified || (value.CurrentValue is null
            ? current is not null
            : current is null || !BlindIndexer.TryGetIndexKeyVersion(current, out int version) || version != codec.ActiveIndexKeyVersion);
        if (!write)
        {
            return;
        }

        string? computed = value.CurrentValue is string plaintext ? codec.ComputeIndex(plaintext) : null;
        if (!string.Equals(current, computed, StringComparison.Ordinal))
        {
            stored.CurrentValue = computed;
        }
    }

    private static void PrepareKeyVersion(EntityEntry entry, PropertyEntry value, string keyVersionProperty, EncryptedColumnCodec codec)
    {
        var keyVersion = entry.Property(keyVersionProperty);
        int active = codec.Encryptor.ActiveKeyVersion;
        if (entry.State != EntityState.Added && !value.IsModified)
        {
            // Rewrite a modified entity's value read under another version: it is saved anyway, and this moves it on.
            if (value.CurrentValue is null || keyVersion.OriginalValue is int read && read == active)
            {
                return;
            }

            value.IsModified = true;
        }

        if (keyVersion.CurrentValue is not int stored || stored != active)
        {
            keyVersion.CurrentValue = active;
        }
    }

    internal static EncryptedColumnCodec? GetCodec(IReadOnlyProperty property) => property.GetValueConverter() switch
    {
        EncryptedTextConverter text => text.Codec,
        EncryptedBinaryConverter binary => binary.Codec,
        _ => null,
    };
}
