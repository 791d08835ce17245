using System.Globalization;
using System.Text.Json;

namespace VersionedEnvelope.Tests.Streams;

/// <summary>The VE1 stream vectors made by an implementation written apart from this one (copied from the shared design folder).</summary>
internal static class StreamVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "ve1-stream.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static KeyRing KeyRing(int activeVersion = 7) =>
        VersionedEnvelope.KeyRing.FromKeys(
            Root.GetProperty("keyRing").EnumerateObject().ToDictionary(p => int.Parse(p.Name, CultureInfo.InvariantCulture), p => Convert.FromHexString(p.Value.GetString()!)),
            activeVersion);

    public static TheoryData<string> CaseNames() => [.. Root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> NegativeNames() => [.. Root.GetProperty("negative").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    public static JsonElement Case(string name) => Root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement Negative(string name) => Root.GetProperty("negative").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement Rewrap => Root.GetProperty("rewrap");
}
