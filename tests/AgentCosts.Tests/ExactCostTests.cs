using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AgentCosts.Tests;

public sealed class ExactCostTests
{
    private static readonly PriceTable Prices = new(new Dictionary<string, ModelPrice>
    {
        ["small"] = new(0.15m, 0.6m),
        ["cached"] = new(0.15m, 0.6m, cachedInputCreditsPer1000Tokens: 0.075m),
    });

    [Fact]
    public void Record_ThousandCallsOfFortyFiveHundredths_SnapshotCostsFourHundredFifty()
    {
        var mission = new MissionCostTracker();
        var agent = mission.Agent("seo-analyst");
        var perCall = Prices.GetExactCost("small", 1000, 500);
        Assert.Equal(0, Prices.GetCost("small", 1000, 500)); // what rounding each call would have billed

        for (int i = 0; i < 1000; i++)
        {
            agent.Record(1500, perCall, TimeSpan.FromMilliseconds(1));
        }

        var snapshot = mission.Snapshot();
        Assert.Equal(450, snapshot.Total.Cost);
        Assert.Equal(450, snapshot.Agents["seo-analyst"].Cost);
        Assert.Equal(ExactCredits.FromCredits(450), snapshot.Total.ExactCost);
        Assert.Equal("""{"seo-analyst":{"tokens":1500000,"cost":450,"duration":1000}}""", snapshot.ToJson());
    }

    [Fact]
    public void Laps_WithExactCosts_AddUpBeforeRounding()
    {
        var mission = new MissionCostTracker();
        var laps = mission.Agent("a").StartLaps();

        laps.Lap(1500, Prices.GetExactCost("small", 1000, 500));
        laps.Lap(1500, Prices.GetExactCost("small", 1000, 500));
        laps.Lap(1500, Prices.GetExactCost("small", 1000, 500));

        Assert.Equal(1, mission.Snapshot().Total.Cost); // 1.35 credits, rounded once
    }

    [Fact]
    public void Snapshot_ThreeAgentsWithAThirdEach_TotalIsOneAndAgentsAddUp()
    {
        var mission = new MissionCostTracker();
        var third = new ExactCredits(333_333_333);
        mission.Record("c", 0, third, TimeSpan.FromMilliseconds(0));
        mission.Record("a", 0, third, TimeSpan.FromMilliseconds(0));
        mission.Record("b", 0, third, TimeSpan.FromMilliseconds(0));

        var snapshot = mission.Snapshot();

        Assert.Equal(1, snapshot.Total.Cost);
        Assert.Equal(1, snapshot.Agents.Values.Sum(a => a.Cost));
        Assert.Equal(1, snapshot.Agents["a"].Cost); // equal remainders: the ordinally first name gets the credit
        Assert.Equal(third, snapshot.Agents["b"].ExactCost);
    }

    [Theory]
    [InlineData(CreditRounding.HalfUp, 2)]
    [InlineData(CreditRounding.Up, 2)]
    [InlineData(CreditRounding.Down, 1)]
    public void Snapshot_UsesTheTrackersRounding_AndTheLargestRemainderGetsTheCredit(CreditRounding rounding, long expectedTotal)
    {
        var mission = new MissionCostTracker(rounding: rounding);
        mission.Record("a", 0, ExactCredits.FromCredits(0.2m), TimeSpan.FromMilliseconds(0));
        mission.Record("b", 0, ExactCredits.FromCredits(0.7m), TimeSpan.FromMilliseconds(0));
        mission.Record("c", 0, ExactCredits.FromCredits(0.6m), TimeSpan.FromMilliseconds(0));

        var snapshot = mission.Snapshot();

        Assert.Equal(expectedTotal, snapshot.Total.Cost);
        Assert.Equal(expectedTotal, snapshot.Agents.Values.Sum(a => a.Cost));
        Assert.Equal(1, snapshot.Agents["b"].Cost);
        Assert.Equal(expectedTotal == 2 ? 1 : 0, snapshot.Agents["c"].Cost);
        Assert.Equal(0, snapshot.Agents["a"].Cost);
    }

    [Fact]
    public void RecordUsage_PricesWithTheTrackersTableIncludingCachedInput()
    {
        var mission = new MissionCostTracker(prices: Prices);
        var agent = mission.Agent("a");

        var full = agent.RecordUsage("small", new TokenUsage(inputTokens: 1000, outputTokens: 500), TimeSpan.FromMilliseconds(20));
        var cached = agent.RecordUsage("cached", new TokenUsage(inputTokens: 1000, outputTokens: 500, cachedInputTokens: 400, reasoningTokens: 100), TimeSpan.Zero);

        Assert.Equal(ExactCredits.FromCredits(0.45m), full);
        // 600 × 0.00015 + 400 × 0.000075 + 500 × 0.0006 = 0.09 + 0.03 + 0.3
        Assert.Equal(ExactCredits.FromCredits(0.42m), cached);
        var totals = mission.Snapshot().Agents["a"];
        Assert.Equal(3000, totals.Tokens);
        Assert.Equal(new TokenUsage(2000, 1000, 400, 100), totals.Usage);
        Assert.Equal(ExactCredits.FromCredits(0.87m), totals.ExactCost);
        Assert.Equal(20, totals.DurationMilliseconds);
    }

    [Fact]
    public void RecordUsage_CachedPriceMissing_ChargesTheInputPrice() =>
        Assert.Equal(
            Prices.GetExactCost("small", 1000, 500),
            Prices.GetExactCost("small", new TokenUsage(1000, 500, cachedInputTokens: 400)));

    [Fact]
    public void RecordUsage_UnknownModelWithThrowPolicy_RecordsNothing()
    {
        var mission = new MissionCostTracker(prices: Prices);

        Assert.Throws<UnknownModelException>(() => mission.Agent("a").RecordUsage("mystery", new TokenUsage(10, 10), TimeSpan.Zero));

        Assert.Equal(AgentCost.Zero, mission.Snapshot().Agents["a"]);
        Assert.Empty(mission.Snapshot().Models);
    }

    [Fact]
    public void RecordUsage_UnknownModelWithDefaultPrice_ChargesTheDefault()
    {
        var prices = new PriceTable(new Dictionary<string, ModelPrice>(), UnknownModelPolicy.ChargeDefault, new ModelPrice(1m, 1m));
        var mission = new MissionCostTracker(prices: prices);

        Assert.Equal(ExactCredits.FromCredits(2m), mission.Agent("a").RecordUsage("mystery", new TokenUsage(1000, 1000), TimeSpan.Zero));
    }

    [Fact]
    public void RecordUsage_WithoutPriceTable_SaysWhatIsMissing()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new MissionCostTracker().Agent("a").RecordUsage("small", new TokenUsage(1, 1), TimeSpan.Zero));

        Assert.Contains("price table", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, 0, 0, 0)]
    [InlineData(10, 10, 11, 0)]
    [InlineData(10, 10, 0, 11)]
    public void RecordUsage_InconsistentCounts_ThrowAndRecordNothing(long input, long output, long cached, long reasoning)
    {
        var mission = new MissionCostTracker(prices: Prices);

        Assert.Throws<ArgumentOutOfRangeException>(() => mission.Agent("a").RecordUsage("small", new TokenUsage(input, output, cached, reasoning), TimeSpan.Zero));

        Assert.Equal(AgentCost.Zero, mission.Snapshot().Total);
    }

    [Fact]
    public void Snapshot_AndBreakdown_KeepPerModelTotals()
    {
        var first = new MissionCostTracker(prices: Prices);
        first.Agent("a").RecordUsage("small", new TokenUsage(1000, 500), TimeSpan.Zero);
        first.Agent("b").RecordUsage("small", new TokenUsage(1000, 500), TimeSpan.Zero);
        first.Agent("b").RecordUsage("cached", new TokenUsage(1000, 500, 400), TimeSpan.Zero);
        var second = new MissionCostTracker(prices: Prices);
        second.Agent("a").RecordUsage("small", new TokenUsage(1000, 500), TimeSpan.Zero);

        var breakdown = CostBreakdown.From([first.Snapshot(), second.Snapshot()]);

        Assert.Equal(new ModelUsage(3, new TokenUsage(3000, 1500), ExactCredits.FromCredits(1.35m)), breakdown.Models["small"]);
        Assert.Equal(1, breakdown.Models["cached"].Calls);
        Assert.Equal(2, breakdown.Total.Cost); // 1.77 credits, rounded once over both missions
        Assert.Equal(2, breakdown.Agents.Sum(a => a.Total.Cost));
        Assert.Contains("\"models\":{\"cached\":", breakdown.ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"usage\":{\"input\":", breakdown.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Breakdown_OfFractionalMissions_RoundsOnceAtTheEnd()
    {
        var missions = Enumerable.Range(0, 3).Select(_ =>
        {
            var mission = new MissionCostTracker();
            mission.Record("a", 0, ExactCredits.FromCredits(0.4m), TimeSpan.FromMilliseconds(0));
            return mission.Snapshot();
        }).ToArray();

        Assert.All(missions, m => Assert.Equal(0, m.Total.Cost));
        Assert.Equal(1, CostBreakdown.From(missions).Total.Cost);
        Assert.Equal(1, MissionCosts.Merge(missions).Total.Cost);
    }

    [Property(MaxTest = 300)]
    public Property Snapshot_AgentCostsAddUpToTheTotal_WhichIsTheRoundedExactSum() =>
        Prop.ForAll(ExactGenerators.RecordLists, Arb.From(Gen.Elements(CreditRounding.HalfUp, CreditRounding.Up, CreditRounding.Down)), (records, rounding) =>
        {
            var mission = new MissionCostTracker(rounding: rounding);
            long exact = 0;
            foreach (var (agent, tokens, nanocredits) in records)
            {
                mission.Record(agent, tokens, new ExactCredits(nanocredits), TimeSpan.FromMilliseconds(0));
                exact += nanocredits;
            }

            var snapshot = mission.Snapshot();
            return (snapshot.Agents.Values.Sum(a => a.Cost) == snapshot.Total.Cost).Label("the agents add up to the total")
                .And((snapshot.Total.Cost == new ExactCredits(exact).Round(rounding)).Label("the total is the exact sum, rounded once"))
                .And(snapshot.Agents.Values.All(a => Math.Abs(a.Cost - (double)a.ExactCost.Credits) < 1).Label("each agent is within a credit of its exact cost"));
        });

    [Property(MaxTest = 200)]
    public Property Merge_OfExactMissions_IsOrderIndependentAndAddsUp() =>
        Prop.ForAll(ExactGenerators.Missions, ExactGenerators.Missions, ExactGenerators.Missions, (a, b, c) =>
        {
            var left = a.Merge(b).Merge(c);
            var right = c.Merge(a.Merge(b));
            return left.Equals(right).Label("the order of merging does not matter")
                .And((left.Total.ExactCost == a.Total.ExactCost + b.Total.ExactCost + c.Total.ExactCost).Label("the exact totals add up"))
                .And((left.Agents.Values.Sum(x => x.Cost) == left.Total.Cost).Label("the agents add up to the total"));
        });
}
