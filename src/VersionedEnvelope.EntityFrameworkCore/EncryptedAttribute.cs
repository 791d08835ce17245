namespace VersionedEnvelope.EntityFrameworkCore;

/// <summary>
/// Marks a <see cref="string"/> or <see cref="byte"/>[] property as encrypted, as <c>IsEncrypted()</c> does.
/// </summary>
/// <remarks>
/// Stored as a VE1 ciphertext (text form <c>ve1:vN:…</c> for strings, binary for byte arrays), bound to its column by
/// associated data. Takes effect in contexts configured with <c>UseVersionedEnvelope(…)</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class EncryptedAttribute : Attribute
{
    /// <summary>
    /// An <see cref="int"/> property of the same entity that is kept equal to the key version in the stored header on
    /// every save (a <c>keyVersion</c> column), so SQL can find stale rows by an index. None when omitted.
    /// </summary>
    public string? KeyVersionProperty { get; set; }

    /// <summary>
    /// The associated data that binds values to their column; <c>Entity.Property</c> when omitted, empty for none.
    /// Pin it before renaming the entity or the property, or stored values stop decrypting.
    /// </summary>
    public string? AssociatedData { get; set; }
}
