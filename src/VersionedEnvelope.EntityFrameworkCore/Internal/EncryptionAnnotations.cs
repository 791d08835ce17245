namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>The model annotations that mark an encrypted property.</summary>
internal static class EncryptionAnnotations
{
    public const string Encrypted = "VersionedEnvelope:Encrypted";
    public const string KeyVersionProperty = "VersionedEnvelope:KeyVersionProperty";
    public const string AssociatedData = "VersionedEnvelope:AssociatedData";

    /// <summary>On an encrypted property: the shadow property that holds its blind index.</summary>
    public const string BlindIndexProperty = "VersionedEnvelope:BlindIndexProperty";

    /// <summary>On an encrypted property: the bits its blind index keeps.</summary>
    public const string BlindIndexBits = "VersionedEnvelope:BlindIndexBits";

    /// <summary>On an encrypted property: its blind index's name (the key derivation's info).</summary>
    public const string BlindIndexName = "VersionedEnvelope:BlindIndexName";
}
