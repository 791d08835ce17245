using System.Text.Json.Serialization;

namespace VersionedEnvelope.Storage;

/// <summary>
/// A key ring as JSON, wherever it is kept (a file, a database row): metadata in clear, each key's material sealed under
/// the key that seals the ring.
/// </summary>
internal sealed class KeyRingJsonDocument
{
    public const string CurrentFormat = "versioned-envelope-keyring-1";

    public string? Format { get; set; }

    public long Revision { get; set; }

    public List<KeyRingJsonKey>? Keys { get; set; }

    public List<KeyRingJsonEvent>? History { get; set; }

    /// <summary>The blind index keys; absent when the ring has none, so such documents read as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<KeyRingJsonKey>? IndexKeys { get; set; }
}

/// <summary>One key version in the document. <see cref="Material"/> is base64 of nonce ‖ sealed key ‖ tag, absent when destroyed.</summary>
internal sealed class KeyRingJsonKey
{
    public int Version { get; set; }

    public KeyState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Only for a pending version; absent otherwise, so documents without pending versions read as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ActivatesAt { get; set; }

    public string? Material { get; set; }
}

/// <summary>One audit event in the document.</summary>
internal sealed class KeyRingJsonEvent
{
    public KeyRingEventKind Kind { get; set; }

    public int Version { get; set; }

    public DateTimeOffset At { get; set; }

    public string? By { get; set; }

    /// <summary>The proof a destroy or automatic retirement was based on; absent on other events, so older documents read as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Evidence { get; set; }
}

/// <summary>Source-generated (reflection-free, AOT-safe) serialization of the key ring document.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(KeyRingJsonDocument))]
internal sealed partial class KeyRingJsonContext : JsonSerializerContext;
