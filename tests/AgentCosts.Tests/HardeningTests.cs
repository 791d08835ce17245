using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AgentCosts.Tests;

/// <summary>Findings of the adversarial pass on the agentCosts JSON and agent names; each test fails on the code before the fix.</summary>
public sealed class HardeningTests
{
    private const string Cost = """{"tokens":1,"cost":1,"duration":1}""";

    // 2. Every failure to read is a JsonException.
    [Theory]
    [InlineData("""{"\ud800":{"tokens":1,"cost":1,"duration":1}}""")]
    [InlineData("""{"a\udc00b":{"tokens":1,"cost":1,"duration":1}}""")]
    [InlineData("""{"a":{"tokens":9223372036854775807,"cost":0,"duration":0},"b":{"tokens":1,"cost":0,"duration":0}}""")]
    [InlineData("""{"a":{"tokens":0,"cost":0,"duration":9223372036854775807},"b":{"tokens":0,"cost":0,"duration":1}}""")]
    [InlineData("""{"a":{"tokens":-0,"cost":0,"duration":0}}""")]
    [InlineData("""{"a":{"tokens":0,"cost":-0,"duration":0}}""")]
    public void Parse_UnreadableOrInexactInput_IsAJsonException(string json) =>
        Assert.IsType<JsonException>(Record.Exception(() => MissionCosts.Parse(json)));

    [Fact]
    public void Parse_InvalidUtf8InAName_IsAJsonException()
    {
        byte[] json = Encoding.UTF8.GetBytes("{\"XX\":" + Cost + "}");
        json[2] = 0xC3;
        json[3] = 0x28;

        Assert.IsType<JsonException>(Record.Exception(() => MissionCosts.Parse(json)));
    }

    [Fact]
    public void Parse_StringWithALoneSurrogate_IsAJsonException() =>
        Assert.IsType<JsonException>(Record.Exception(() => MissionCosts.Parse("{\"a" + (char)0xD800 + "\":" + Cost + "}")));

    // 5. What PostgreSQL's jsonb hands back (keys reordered, spaces added) is read.
    [Fact]
    public void Parse_AsPostgresJsonbReturnsIt_IsRead()
    {
        var costs = MissionCosts.Parse("""{"seo-analyst": {"cost": 82, "tokens": 8200, "duration": 1800}}""");

        Assert.Equal("""{"seo-analyst":{"tokens":8200,"cost":82,"duration":1800}}""", costs.ToJson());
    }

    // 3. One rule for lone surrogates: refused where names enter, so ToJson never replaces them.
    [Fact]
    public void Agent_NameWithALoneSurrogate_IsRefusedAndNothingIsRecorded()
    {
        var mission = new MissionCostTracker();
        string[] names = ["a" + (char)0xD800, (char)0xDC00 + "b", "x" + (char)0xDC00 + (char)0xD800];

        foreach (string name in names)
        {
            Assert.Throws<ArgumentException>(() => mission.Record(name, 1, ExactCredits.FromCredits(1), TimeSpan.FromMilliseconds(1)));
            Assert.Throws<ArgumentException>(() => new MissionCosts([new(name, new AgentCost(1, 1, 1))]));
        }

        Assert.Empty(mission.Snapshot().Agents);
        mission.Record("emoji 🚀 agent", 1, ExactCredits.FromCredits(1), TimeSpan.FromMilliseconds(1)); // a surrogate pair is fine
        Assert.Equal(["emoji 🚀 agent"], MissionCosts.Parse(mission.Snapshot().ToJson()).Agents.Keys);
    }

    [Property(MaxTest = 300)]
    public Property ParseOfToJson_IsIdentity_ForEveryNameTheWriterAccepts() =>
        Prop.ForAll(
            ArbMap.Default.GeneratorFor<char>().ArrayOf().Where(chars => chars.Length > 0)
                .Select(chars => new string(chars))
                .ArrayOf()
                .ToArbitrary(),
            (string[] names) =>
            {
                var agents = new Dictionary<string, AgentCost>(StringComparer.Ordinal);
                foreach (string name in names)
                {
                    try
                    {
                        _ = new MissionCosts([new(name, AgentCost.Zero)]);
                        agents[name] = new AgentCost(name.Length, 1, 2);
                    }
                    catch (ArgumentException)
                    {
                        // Refused by the one rule: never written, so never read back differently.
                    }
                }

                var mission = new MissionCosts(agents);
                return MissionCosts.Parse(mission.ToJson()).Equals(mission);
            });
}
