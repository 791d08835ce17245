using FsCheck;
using FsCheck.Fluent;

namespace AgentCosts.Tests;

internal static class Generators
{
    private static readonly string[] Names = ["genesis-architect", "seo-analyst", "a", "B", "b", "éditeur", "agent \"q\"", "x/y"];

    public static Gen<(string Agent, long Tokens, long Cost, long Duration)> Records { get; } =
        from agent in Gen.Elements(Names)
        from tokens in Gen.Choose(0, int.MaxValue)
        from cost in Gen.Choose(0, 1_000_000)
        from duration in Gen.Choose(0, 86_400_000)
        select (agent, (long)tokens, (long)cost, (long)duration);

    public static Arbitrary<(string Agent, long Tokens, long Cost, long Duration)[]> RecordLists { get; } =
        Records.ArrayOf().ToArbitrary();

    public static Arbitrary<MissionCosts> Missions { get; } = Records.ArrayOf().Select(ToMission).ToArbitrary();

    public static MissionCosts ToMission((string Agent, long Tokens, long Cost, long Duration)[] records) =>
        new(records
            .GroupBy(r => r.Agent, StringComparer.Ordinal)
            .Select(g => new KeyValuePair<string, AgentCost>(g.Key, g.Aggregate(AgentCost.Zero, (sum, r) => sum + new AgentCost(r.Tokens, r.Cost, r.Duration)))));
}

internal static class ExactGenerators
{
    private static readonly string[] Names = ["genesis-architect", "seo-analyst", "a", "B", "b", "éditeur"];

    /// <summary>Records with exact costs from nothing to a few credits, often with a fraction.</summary>
    public static Gen<(string Agent, long Tokens, long Nanocredits)> Records { get; } =
        from agent in Gen.Elements(Names)
        from tokens in Gen.Choose(0, 100_000)
        from credits in Gen.Choose(0, 5)
        from fraction in Gen.OneOf(Gen.Constant(0), Gen.Constant(500_000_000), Gen.Choose(0, 999_999_999))
        select (agent, (long)tokens, (credits * 1_000_000_000L) + fraction);

    public static Arbitrary<(string Agent, long Tokens, long Nanocredits)[]> RecordLists { get; } = Records.ArrayOf().ToArbitrary();

    public static Arbitrary<MissionCosts> Missions { get; } = Records.ArrayOf().Select(records =>
    {
        var tracker = new MissionCostTracker();
        foreach (var (agent, tokens, nanocredits) in records)
        {
            tracker.Record(agent, tokens, new ExactCredits(nanocredits), TimeSpan.FromMilliseconds(0));
        }

        return tracker.Snapshot();
    }).ToArbitrary();
}
