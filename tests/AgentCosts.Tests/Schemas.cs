using System.Text.Json;

namespace AgentCosts.Tests;

/// <summary>The JSON shapes hosts store (copied from the shared design folder).</summary>
internal static class Schemas
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "schemas.json"))));

    public static JsonElement AgentCosts => Document.Value.RootElement.GetProperty("agentCosts");

    public static TheoryData<string> ValidNames() => [.. AgentCosts.GetProperty("valid").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];

    public static TheoryData<string> InvalidNames() => [.. AgentCosts.GetProperty("invalid").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];

    public static JsonElement Valid(string name) => AgentCosts.GetProperty("valid").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    public static JsonElement Invalid(string name) => AgentCosts.GetProperty("invalid").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
}
