using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VersionedEnvelope;

/// <summary>Reads and writes the <c>keyRotationHistory</c> JSON exactly.</summary>
/// <remarks>
/// <c>[{"version":2,"rotatedAt":"2026-01-27T08:27:32.000Z","rotatedBy":"user_123"}]</c> (UTC, milliseconds, <c>Z</c>;
/// versions strictly increasing).
/// </remarks>
public static class RotationHistoryJson
{
    // Readers accept exactly what the writer produces: three fraction digits, always, so stored audit text round-trips.
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>
    /// Writes a time as <c>rotatedAt</c> is written: UTC with milliseconds and <c>Z</c>
    /// (<c>2026-01-27T08:27:32.000Z</c>), so tools that print key ring times print them the same way.
    /// </summary>
    /// <param name="time">The time.</param>
    /// <returns>The text.</returns>
    public static string FormatTimestamp(DateTimeOffset time) => time.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the history as compact JSON.</summary>
    /// <param name="history">The rotations, oldest first.</param>
    /// <returns>The JSON text.</returns>
    /// <exception cref="ArgumentException">
    /// A rotation's <c>RotatedBy</c> is blank or not well-formed UTF-16 (a lone surrogate), or its version is not positive:
    /// the reader would refuse what was written.
    /// </exception>
    public static string Write(IEnumerable<KeyRotationEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        history = history.ToList();
        foreach (var rotation in history)
        {
            ArgumentNullException.ThrowIfNull(rotation, nameof(history));
            if (rotation.Version < 1 || string.IsNullOrWhiteSpace(rotation.RotatedBy) || !Shared.WellFormedText.IsWellFormed(rotation.RotatedBy))
            {
                throw new ArgumentException(
                    $"Rotation of version {rotation.Version}: the version must be positive and 'rotatedBy' a non-blank, well-formed string.", nameof(history));
            }
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var rotation in history)
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", rotation.Version);
                writer.WriteString("rotatedAt", FormatTimestamp(rotation.RotatedAt));
                writer.WriteString("rotatedBy", rotation.RotatedBy);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads <c>keyRotationHistory</c> JSON strictly.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The rotations, oldest first.</returns>
    /// <exception cref="JsonException">The JSON is invalid or not exactly that shape; nothing is half-read.</exception>
    public static IReadOnlyList<KeyRotationEvent> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!Shared.WellFormedText.IsWellFormed(json))
        {
            throw Invalid("the text contains a lone surrogate (it is not well-formed UTF-16)");
        }

        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads UTF-8 <c>keyRotationHistory</c> JSON strictly.</summary>
    /// <param name="utf8Json">The UTF-8 JSON.</param>
    /// <returns>The rotations, oldest first.</returns>
    /// <exception cref="JsonException">The JSON is invalid (invalid UTF-8 included) or not exactly that shape.</exception>
    public static IReadOnlyList<KeyRotationEvent> Parse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 4 });
            var history = ReadArray(ref reader);
            if (reader.Read())
            {
                throw Invalid("there is content after the array");
            }

            return history;
        }
        catch (JsonException ex) when (ex.GetType() != typeof(JsonException))
        {
            throw new JsonException($"keyRotationHistory JSON is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader.GetString's answer to invalid UTF-8 and to escaped lone surrogates.
            throw new JsonException("keyRotationHistory JSON is not valid: a string is not valid UTF-8 or escapes a lone surrogate.", ex);
        }
    }

    private static List<KeyRotationEvent> ReadArray(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid("it must be an array of rotations");
        }

        var history = new List<KeyRotationEvent>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid($"entry {history.Count} is not an object");
            }

            var rotation = ReadRotation(ref reader, history.Count);
            if (history.Count > 0 && rotation.Version <= history[^1].Version)
            {
                throw Invalid($"versions must increase: {rotation.Version} follows {history[^1].Version}");
            }

            history.Add(rotation);
        }

        return history;
    }

    private static KeyRotationEvent ReadRotation(ref Utf8JsonReader reader, int index)
    {
        int? version = null;
        DateTimeOffset? rotatedAt = null;
        string? rotatedBy = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            var token = Next(ref reader);
            switch (field)
            {
                case "version" when version is null:
                    version = token == JsonTokenType.Number && reader.TryGetInt32(out int v) && v > 0 && reader.ValueSpan[0] != (byte)'-'
                        ? v
                        : throw Invalid($"entry {index}: 'version' must be a positive whole number");
                    break;
                case "rotatedAt" when rotatedAt is null:
                    rotatedAt = token == JsonTokenType.String
                        && DateTimeOffset.TryParseExact(
                            reader.GetString(),
                            TimestampFormat,
                            CultureInfo.InvariantCulture,
                            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                            out var at)
                        ? at
                        : throw Invalid($"entry {index}: 'rotatedAt' must be a UTC timestamp like 2026-01-27T08:27:32.000Z");
                    break;
                case "rotatedBy" when rotatedBy is null:
                    rotatedBy = token == JsonTokenType.String && reader.GetString() is { } by && !string.IsNullOrWhiteSpace(by)
                        ? by
                        : throw Invalid($"entry {index}: 'rotatedBy' must be a non-blank string");
                    break;
                default:
                    throw Invalid($"entry {index}: unexpected or repeated field '{field}'");
            }
        }

        return version is null ? throw Invalid($"entry {index} has no 'version'")
            : rotatedAt is null ? throw Invalid($"entry {index} has no 'rotatedAt'")
            : rotatedBy is null ? throw Invalid($"entry {index} has no 'rotatedBy'")
            : new KeyRotationEvent(version.Value, rotatedAt.Value, rotatedBy);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw Invalid("it ends too early");

    private static JsonException Invalid(string why) => new($"keyRotationHistory JSON is not valid: {why}.");
}
