using System.Text.Json.Serialization;

namespace VersionedEnvelope.Cli;

/// <summary>Source-generated JSON for the keys file and quoted strings.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
