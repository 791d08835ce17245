using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VersionedEnvelope;
using VersionedEnvelope.EntityFrameworkCore;
using VersionedEnvelope.EntityFrameworkCore.Internal;

// In EF Core's namespace, beside HasConversion and IsRequired, where properties are configured.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Marks properties as encrypted: <c>entity.Property(p => p.ApiKey).IsEncrypted()</c>.</summary>
public static class EncryptedPropertyBuilderExtensions
{
    /// <summary>
    /// Stores the property encrypted: a string as a VE1 text form (<c>ve1:vN:…</c>, so SQL can find rows by key
    /// version), a byte array as a binary VE1 ciphertext.
    /// </summary>
    /// <typeparam name="TProperty"><see cref="string"/> or <see cref="byte"/>[].</typeparam>
    /// <param name="propertyBuilder">The property.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// Values are bound to their column by associated data (<c>Entity.Property</c> unless given), so a value copied to
    /// another column fails to decrypt. Encrypted columns cannot be searched by value (every encryption differs). Needs
    /// <c>UseVersionedEnvelope(…)</c> on the context's options.
    /// <para/>
    /// The associated data is <c>Entity.Property</c>: pin it with the overload that takes it before renaming either.
    /// </remarks>
    public static PropertyBuilder<TProperty> IsEncrypted<TProperty>(this PropertyBuilder<TProperty> propertyBuilder) =>
        IsEncrypted(propertyBuilder, associatedData: null);

    /// <summary>Stores the property encrypted, bound to the given associated data instead of <c>Entity.Property</c>.</summary>
    /// <typeparam name="TProperty"><see cref="string"/> or <see cref="byte"/>[].</typeparam>
    /// <param name="propertyBuilder">The property.</param>
    /// <param name="associatedData">The associated data; <c>Entity.Property</c> when null, empty for none.</param>
    /// <returns>The same builder.</returns>
    public static PropertyBuilder<TProperty> IsEncrypted<TProperty>(this PropertyBuilder<TProperty> propertyBuilder, string? associatedData)
    {
        ArgumentNullException.ThrowIfNull(propertyBuilder);
        Mark(propertyBuilder, keyVersionProperty: null, associatedData);
        return propertyBuilder;
    }

    /// <summary>
    /// Stores the property encrypted and keeps an <see cref="int"/> property of the entity equal to the key version in
    /// its header.
    /// </summary>
    /// <typeparam name="TProperty"><see cref="string"/> or <see cref="byte"/>[].</typeparam>
    /// <typeparam name="TEntity">The entity (write the lambda's parameter type: <c>(UserProfile p) => p.KeyVersion</c>).</typeparam>
    /// <param name="propertyBuilder">The property.</param>
    /// <param name="keyVersion">The key version property.</param>
    /// <param name="associatedData">The associated data; <c>Entity.Property</c> when omitted, empty for none.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// As <see cref="IsEncrypted{TProperty}(PropertyBuilder{TProperty})"/> does, and on every save the key version
    /// property (a <c>keyVersion</c> column) is set from the stored header, so re-encryption and usage counts find rows
    /// by an index.
    /// </remarks>
    public static PropertyBuilder<TProperty> IsEncrypted<TProperty, TEntity>(
        this PropertyBuilder<TProperty> propertyBuilder,
        Expression<Func<TEntity, int>> keyVersion,
        string? associatedData = null)
    {
        ArgumentNullException.ThrowIfNull(propertyBuilder);
        ArgumentNullException.ThrowIfNull(keyVersion);
        string name = keyVersion.Body is MemberExpression { Member: var member } && member.DeclaringType?.IsAssignableFrom(typeof(TEntity)) == true
            ? member.Name
            : throw new ArgumentException("The key version must be a property of the entity, for example (UserProfile p) => p.KeyVersion.", nameof(keyVersion));
        Mark(propertyBuilder, name, associatedData);
        return propertyBuilder;
    }

    /// <summary>Makes an encrypted string property searchable by equality through a blind index.</summary>
    /// <param name="propertyBuilder">An encrypted string property (<c>IsEncrypted()</c> first, or <see cref="EncryptedAttribute"/>).</param>
    /// <param name="columnName">The shadow property and column that hold the index, for example <c>email_bidx</c>.</param>
    /// <param name="configure">Sets the bits, the normalisation and the name.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="InvalidOperationException">The property is not encrypted, or already has a blind index.</exception>
    /// <exception cref="ArgumentException">The options are invalid: the bits are outside 8 to 256.</exception>
    /// <remarks>
    /// A keyed hash of the (normalised) value, cut to <see cref="BlindIndexOptions.Bits"/>, stored as <c>bi1:vN:…</c>
    /// in a shadow property and column <paramref name="columnName"/> with a database index. Every save that writes the
    /// value writes its index; find rows with <c>WhereBlindIndex</c>, or exactly with <c>FirstOrDefaultBlindAsync</c>
    /// and <c>ToListBlindAsync</c>. The index leaks which rows share a value, never the value; see <see
    /// cref="BlindIndexPlanner"/> for the bits to keep.
    /// </remarks>
    public static PropertyBuilder<string> HasBlindIndex(
        this PropertyBuilder<string> propertyBuilder,
        string columnName,
        Action<BlindIndexOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(propertyBuilder);
        ArgumentException.ThrowIfNullOrWhiteSpace(columnName);
        var options = new BlindIndexOptions();
        configure?.Invoke(options);
        Shared.OptionsValidation.ThrowIfInvalid(new BlindIndexOptionsValidator(), options, nameof(configure));

        var property = propertyBuilder.Metadata;
        var entityType = (IMutableEntityType)property.DeclaringType;
        string display = $"{entityType.ShortName()}.{property.Name}";
        if (property[EncryptionAnnotations.Encrypted] is not true)
        {
            var attribute = property.PropertyInfo?.GetCustomAttribute<EncryptedAttribute>(inherit: true)
                ?? throw new InvalidOperationException(
                    $"{display} is not encrypted: call IsEncrypted() before HasBlindIndex(). A blind index beside a clear value would protect nothing.");
            Mark(propertyBuilder, attribute.KeyVersionProperty, attribute.AssociatedData);
        }

        if (property[EncryptionAnnotations.BlindIndexProperty] is string existing)
        {
            throw new InvalidOperationException($"{display} already has a blind index, in '{existing}'.");
        }

        var index = entityType.FindProperty(columnName) ?? entityType.AddProperty(columnName, typeof(string));
        if (index.ClrType != typeof(string) || !index.IsShadowProperty())
        {
            throw new InvalidOperationException($"{entityType.ShortName()} already has a property '{columnName}'; the blind index needs its own (shadow) "
                + $"property.");
        }

        index.IsNullable = true;
        index.SetMaxLength(MaxIndexLength);
        if (entityType.FindIndex(index) is null)
        {
            entityType.AddIndex(index);
        }

        var definition = new BlindIndexDefinition(columnName, options.Bits, options.Name ?? display, options.Normalize);
        property.SetAnnotation(EncryptionAnnotations.BlindIndexProperty, columnName);
        property.SetAnnotation(EncryptionAnnotations.BlindIndexBits, options.Bits);
        property.SetAnnotation(EncryptionAnnotations.BlindIndexName, definition.Name);
        EncryptedPropertyConvention.Bind(property, encryptor: null, indexer: null, definition);
        return propertyBuilder;
    }

    /// <summary><c>bi1:v</c>, up to ten digits of version, a colon and 43 characters of base64url: 60, with room.</summary>
    private const int MaxIndexLength = 64;

    private static void Mark(PropertyBuilder propertyBuilder, string? keyVersionProperty, string? associatedData)
    {
        var property = propertyBuilder.Metadata;
        property.SetAnnotation(EncryptionAnnotations.Encrypted, true);
        property.SetAnnotation(EncryptionAnnotations.KeyVersionProperty, keyVersionProperty);
        property.SetAnnotation(EncryptionAnnotations.AssociatedData, associatedData);

        // Converted at once with no encryptor (it refuses to convert), so a context without UseVersionedEnvelope can
        // never store the value in clear; the convention binds it to the encryptor when the context has one.
        EncryptedPropertyConvention.Bind(property, encryptor: null);
    }
}
