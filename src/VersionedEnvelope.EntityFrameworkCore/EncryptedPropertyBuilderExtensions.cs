using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VersionedEnvelope.EntityFrameworkCore.Internal;

// In EF Core's namespace, beside HasConversion and IsRequired, where properties are configured.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Marks properties as encrypted: <c>entity.Property(p => p.ApiKey).IsEncrypted()</c>.</summary>
public static class EncryptedPropertyBuilderExtensions
{
    /// <summary>
    /// Stores the property encrypted: a string as a VE1 text form (<c>ve1:vN:…</c>, so SQL can find rows by key version),
    /// a byte array as a binary VE1 ciphertext. Values are bound to their column by associated data
    /// (<c>Entity.Property</c> unless given), so a value copied to another column fails to decrypt. Encrypted columns
    /// cannot be searched by value (every encryption differs). Needs <c>UseVersionedEnvelope(…)</c> on the context's options.
    /// </summary>
    /// <typeparam name="TProperty"><see cref="string"/> or <see cref="byte"/>[].</typeparam>
    /// <param name="propertyBuilder">The property.</param>
    /// <param name="associatedData">The associated data; <c>Entity.Property</c> when omitted, empty for none. Pin it before renaming the entity or property.</param>
    /// <returns>The same builder.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in a required key version expression, so no call is ambiguous.")]
    public static PropertyBuilder<TProperty> IsEncrypted<TProperty>(this PropertyBuilder<TProperty> propertyBuilder, string? associatedData = null)
    {
        ArgumentNullException.ThrowIfNull(propertyBuilder);
        Mark(propertyBuilder, keyVersionProperty: null, associatedData);
        return propertyBuilder;
    }

    /// <summary>
    /// Stores the property encrypted, as <see cref="IsEncrypted{TProperty}(PropertyBuilder{TProperty}, string?)"/> does, and
    /// keeps an <see cref="int"/> property of the same entity equal to the key version in the stored header on every save
    /// (the seed's <c>keyVersion</c> column), so re-encryption and usage counts find rows by an index.
    /// </summary>
    /// <typeparam name="TProperty"><see cref="string"/> or <see cref="byte"/>[].</typeparam>
    /// <typeparam name="TEntity">The entity (write the lambda's parameter type: <c>(UserProfile p) => p.KeyVersion</c>).</typeparam>
    /// <param name="propertyBuilder">The property.</param>
    /// <param name="keyVersion">The key version property.</param>
    /// <param name="associatedData">The associated data; <c>Entity.Property</c> when omitted, empty for none.</param>
    /// <returns>The same builder.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in a required key version expression, so no call is ambiguous.")]
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
