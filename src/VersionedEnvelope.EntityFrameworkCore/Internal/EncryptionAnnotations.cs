namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>The model annotations that mark an encrypted property.</summary>
internal static class EncryptionAnnotations
{
    public const string Encrypted = "VersionedEnvelope:Encrypted";
    public const string KeyVersionProperty = "VersionedEnvelope:KeyVersionProperty";
    public const string AssociatedData = "VersionedEnvelope:AssociatedData";
}
