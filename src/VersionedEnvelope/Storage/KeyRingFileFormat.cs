using System.Text.Json.Serialization;

namespace VersionedEnvelope.Storage;

/// <summary>The key ring file: metadata in clear, each key's material sealed under the root key.</summary>
internal sealed class KeyRingFileDocument
{
    public const string CurrentFormat = "versioned-envelope-keyring-1";

    public string? Format { get; set; }

    public long Revision { get; set; }

    public List<KeyRingFileKey>? Keys { get; set; }

    public List<KeyRingFileEvent>? History { get; set; }

    /// <summary>The blind index keys; absent when the ring has none, so such documents read as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<KeyRingFileKey>? IndexKeys { get; set; }
}

/// <summary>One key version in the file. <see cref="Material"/> is base64 of nonce ‖ sealed key ‖ tag, absent when destroyed.</summary>
internal sealed class KeyRingFileKey
{
    public int Version { get; set; }

    public KeyState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Only for a pending version; absent otherwise, so documents without pending versions read as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? ActivatesAt { get; set; }

    public string? Material { get; set; }
}

/// <summary>One audit event in the file.</summary>
internal sealed class KeyRingFileEvent
{
    public KeyRingEventKind Kind { get; set; }

    public int Version { get; set; }

    public DateTimeOffset At { get; set; }

    public string? By { get; set; }
}

/// <summary>Source-generated (reflection-free, AOT-safe) serialization of the key ring file.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(KeyRingFileDocument))]
internal sealed partial class KeyRingFileJsonContext : JsonSerializerContext;
