using System.Text.Encodings.Web;
using System.Text;
using System.Text.Json;

namespace AgentCosts.Serialization;

/// <summary>
/// The <c>agentCosts</c> shape on <see cref="Utf8JsonReader"/> and <see cref="Utf8JsonWriter"/>: no reflection, AOT-safe,
/// and strict in ways the serializer cannot be on every target (duplicate names, exact fields, integers only).
/// </summary>
internal static class AgentCostsJson
{
    private const string Tokens = "tokens";
    private const string Cost = "cost";
    private const string Duration = "duration";

    /// <summary>Compact; non-ASCII names written as themselves, as hosts already store them (quotes and controls stay escaped).</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 8,
    };

    public static void Write(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, AgentCost>> agents)
    {
        writer.WriteStartObject();
        foreach (var (name, cost) in agents)
        {
            writer.WriteStartObject(name);
            writer.WriteNumber(Tokens, cost.Tokens);
            writer.WriteNumber(Cost, cost.Cost);
            writer.WriteNumber(Duration, cost.DurationMilliseconds);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    public static List<KeyValuePair<string, AgentCost>> Read(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
            var agents = ReadRoot(ref reader);
            if (reader.Read())
            {
                throw Invalid("there is content after the agentCosts object");
            }

            return agents;
        }
        catch (JsonException ex) when (ex.GetType() != typeof(JsonException))
        {
            // The reader's own exception type is internal; give callers the public type with a clear message.
            throw new JsonException($"agentCosts JSON is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader.GetString's answer to invalid UTF-8 and to escaped lone surrogates.
            throw new JsonException("agentCosts JSON is not valid: an agent name is not valid UTF-8 or escapes a lone surrogate.", ex);
        }
    }

    private static List<KeyValuePair<string, AgentCost>> ReadRoot(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Invalid("it is empty");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid($"it must be an object of agents, not {Describe(reader.TokenType)}");
        }

        var agents = new List<KeyValuePair<string, AgentCost>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            if (name.Length == 0)
            {
                throw Invalid("an agent name is empty");
            }

            if (!seen.Add(name))
            {
                throw Invalid($"agent '{name}' appears more than once");
            }

            agents.Add(new(name, ReadCost(ref reader, name)));
        }

        return agents;
    }

    private static AgentCost ReadCost(ref Utf8JsonReader reader, string agent)
    {
        if (Next(ref reader) != JsonTokenType.StartObject)
        {
            throw Invalid($"agent '{agent}' must map to an object with tokens, cost and duration");
        }

        string[] fields = [Tokens, Cost, Duration];
        var values = new long?[fields.Length];
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            int index = Array.IndexOf(fields, field);
            if (index < 0)
            {
                throw Invalid($"agent '{agent}' has an unknown field '{field}' (expected tokens, cost, duration)");
            }

            if (values[index] is not null)
            {
                throw Invalid($"agent '{agent}' has '{field}' more than once");
            }

            if (Next(ref reader) != JsonTokenType.Number || !reader.TryGetInt64(out long value))
            {
                throw Invalid($"agent '{agent}': '{field}' must be a whole number");
            }

            if (value < 0 || reader.ValueSpan[0] == (byte)'-')
            {
                // -0 included: the writer never writes it, so the reader does not accept it.
                throw Invalid($"agent '{agent}': '{field}' is negative ({Encoding.UTF8.GetString(reader.ValueSpan)})");
            }

            values[index] = value;
        }

        int missing = Array.FindIndex(values, v => v is null);
        if (missing >= 0)
        {
            throw Invalid($"agent '{agent}' has no '{fields[missing]}'");
        }

        return new AgentCost(values[0]!.Value, values[1]!.Value, values[2]!.Value);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw Invalid("it ends too early");

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Null => "null",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => token.ToString(),
    };

    private static JsonException Invalid(string why) => new($"agentCosts JSON is not valid: {why}.");
}
