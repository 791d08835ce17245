using System.Text.Json;

namespace VersionedEnvelope.Tests;

/// <summary>The VE1 vectors made by an implementation written apart from this one (copied from the shared design folder).</summary>
internal static class Vectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "ve1.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static KeyRing KeyRing(int activeVersion = 3) =>
        VersionedEnvelope.KeyRing.FromKeys(
            Root.GetProperty("keyRing").EnumerateObject().ToDictionary(p => int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture), p => Convert.FromHexString(p.Value.GetString()!)),
            activeVersion);

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static TheoryData<string> CaseNames() => [.. Cases.Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> NegativeNames() => [.. Root.GetProperty("negative").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> TextNegatives() => [.. Root.GetProperty("textNegative").EnumerateArray().Select(c => c.GetProperty("text").GetString()!)];

    public static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement Negative(string name) =>
        Root.GetProperty("negative").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static byte[] Hex(this JsonElement element, string property) => Convert.FromHexString(element.GetProperty(property).GetString()!);
}
