using System.Text;
using System.Text.Json;

namespace AgentCosts.Tests;

public sealed class JsonTests
{
    [Theory]
    [MemberData(nameof(Schemas.ValidNames), MemberType = typeof(Schemas))]
    public void Parse_ValidSample_ReadsListedTotals(string name)
    {
        var sample = Schemas.Valid(name);
        var totals = sample.GetProperty("totals");

        var costs = MissionCosts.Parse(sample.GetProperty("json").GetString()!);

        Assert.Equal(new AgentCost(totals.GetProperty("tokens").GetInt64(), totals.GetProperty("cost").GetInt64(), totals.GetProperty("duration").GetInt64()), costs.Total);
    }

    [Theory]
    [MemberData(nameof(Schemas.ValidNames), MemberType = typeof(Schemas))]
    public void ToJson_ValidSample_WritesSameBytes(string name)
    {
        string json = Schemas.Valid(name).GetProperty("json").GetString()!;

        Assert.Equal(json, MissionCosts.Parse(json).ToJson());
        Assert.Equal(Encoding.UTF8.GetBytes(json), Encoding.UTF8.GetBytes(MissionCosts.Parse(Encoding.UTF8.GetBytes(json)).ToJson()));
    }

    [Theory]
    [MemberData(nameof(Schemas.InvalidNames), MemberType = typeof(Schemas))]
    public void Parse_InvalidSample_ThrowsJsonExceptionWithClearMessage(string name)
    {
        string json = Schemas.Invalid(name).GetProperty("json").GetString()!;

        var error = Assert.Throws<JsonException>(() => MissionCosts.Parse(json));

        Assert.StartsWith("agentCosts JSON is not valid", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"a\":{\"tokens\":1,\"cost\":1,\"duration\":1,\"extra\":1}}")]
    [InlineData("{\"a\":{\"tokens\":1,\"tokens\":1,\"cost\":1,\"duration\":1}}")]
    [InlineData("{\"a\":{\"tokens\":1e3,\"cost\":1,\"duration\":1}}")]
    [InlineData("{\"a\":{\"tokens\":9223372036854775808,\"cost\":1,\"duration\":1}}")]
    [InlineData("{\"a\":{\"tokens\":null,\"cost\":1,\"duration\":1}}")]
    [InlineData("{\"a\":[1,2,3]}")]
    [InlineData("{\"a\":{\"tokens\":1,\"cost\":1,\"duration\":1}} {}")]
    [InlineData("{\"a\":{\"tokens\":1,\"cost\":1,\"duration\":1},}")]
    [InlineData("{/*c*/\"a\":{\"tokens\":1,\"cost\":1,\"duration\":1}}")]
    [InlineData("\"text\"")]
    public void Parse_OtherBadShapes_ThrowJsonException(string json) =>
        Assert.Throws<JsonException>(() => MissionCosts.Parse(json));

    [Fact]
    public void ToJson_AgentsInOrdinalOrder()
    {
        var costs = new MissionCosts([new("b", new AgentCost(1, 1, 1)), new("B", new AgentCost(2, 2, 2)), new("a", new AgentCost(3, 3, 3))]);

        Assert.Equal("{\"B\":{\"tokens\":2,\"cost\":2,\"duration\":2},\"a\":{\"tokens\":3,\"cost\":3,\"duration\":3},\"b\":{\"tokens\":1,\"cost\":1,\"duration\":1}}", costs.ToJson());
    }

    [Fact]
    public void WriteTo_InsideLargerDocument_WritesObject()
    {
        var costs = new MissionCosts([new("genesis-architect", new AgentCost(12450, 125, 2300))]);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("agentCosts");
            costs.WriteTo(writer);
            writer.WriteEndObject();
        }

        Assert.Equal("{\"agentCosts\":{\"genesis-architect\":{\"tokens\":12450,\"cost\":125,\"duration\":2300}}}", Encoding.UTF8.GetString(stream.ToArray()));
    }
}
