using System.Text.Json.Serialization;

namespace VersionedEnvelope;

/// <summary>The sealed document: the ring, encrypted under a ring key, and that ring key wrapped by each protector.</summary>
internal sealed class ProtectedKeyRingDocument
{
    public const string CurrentFormat = "versioned-envelope-protected-ring-1";

    public string? Format { get; set; }

    public string? Ring { get; set; }

    public long Revision { get; set; }

    public List<ProtectedKeyRingWrappedKey>? Protectors { get; set; }

    /// <summary>Base64 of nonce (12) ‖ AES-256-GCM ciphertext of the ring document ‖ tag (16); associated data: the ring's name.</summary>
    public string? Sealed { get; set; }
}

internal sealed class ProtectedKeyRingWrappedKey
{
    public string? KeyId { get; set; }

    public string? WrappedKey { get; set; }
}

/// <summary>Just the format field, to tell the protected document from the root-key-sealed one that came before it.</summary>
internal sealed class KeyRingDocumentFormat
{
    public string? Format { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ProtectedKeyRingDocument))]
internal sealed partial class ProtectedKeyRingJsonContext : JsonSerializerContext;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(KeyRingDocumentFormat))]
internal sealed partial class KeyRingDocumentFormatJsonContext : JsonSerializerContext;
