using System.Diagnostics;
using AgentCosts;
using MissionHost.Missions;
using OpenTelemetry.Trace;
using OpenTelemetry;

namespace MissionHost.Tests;

/// <summary>The sample's missions as an OpenTelemetry exporter sees them, and as the bills price them.</summary>
public sealed class MissionTelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PriceTable Prices()
    {
        var options = new AgentCostsOptions();
        options.Prices["large-reasoner"] = new ModelPrice(2.5m, 10m);
        options.Prices["balanced"] = new ModelPrice(0.8m, 3.2m);
        options.Prices["small-fast"] = new ModelPrice(0.15m, 0.6m, 0.075m);
        return MissionPrices.Create(options);
    }

    [Fact]
    public async Task Mission_EveryModelCallIsAnInferenceSpanTaggedWithItsAgentAndCost_AddingUpToTheMission()
    {
        var exported = new List<Activity>();
        using (var tracing = Sdk.CreateTracerProviderBuilder().AddSource(MissionSimulator.TraceSource).AddInMemoryExporter(exported).Build())
        {
            var prices = Prices();
            // A mission id of its own: other tests in this process run missions on the same trace source at the same time.
            string missionId = $"mission-test-{Guid.NewGuid():N}";
            var mission = new MissionCostTracker(prices: prices) { MissionId = missionId };
            using var model = MissionSimulator.CreatePipeline(prices, clock: new MissionClock(MissionPrices.PriceChange));

            var result = await MissionSimulator.RunAsync(mission, model, seed: 7, Ct);
            tracing.ForceFlush();

            var costed = exported.Where(a => a.GetTagItem("gen_ai.usage.cost.amount") is double && (string?)a.GetTagItem("agentcosts.mission") == missionId).ToList();
            Assert.Equal(result.StepsRun, costed.Count);
            Assert.All(costed, a => Assert.Equal("local", (string?)a.GetTagItem("gen_ai.usage.cost.source")));
            Assert.Equal((double)result.Costs.Total.ExactCost.Credits, costed.Sum(a => (double)a.GetTagItem("gen_ai.usage.cost.amount")!), 6);
            Assert.Contains(costed, a => (string?)a.GetTagItem("gen_ai.agent.name") == MissionSimulator.Researcher);

            // The researcher works for the architect: the roll-up shows it there, and adds up to the mission.
            Assert.Equal("genesis-architect", result.Costs.Parents[MissionSimulator.Researcher]);
            var rolled = result.Costs.RollUp();
            Assert.DoesNotContain(MissionSimulator.Researcher, rolled.Keys);
            Assert.Equal(result.Costs.Total.Cost, rolled.Values.Sum(a => a.Cost));
        }
    }

    [Fact]
    public void MissionPrices_AsTheBillsHaveThem_ChangeOnTheirDate_BillLongContextAndCacheWrites()
    {
        var prices = Prices();
        var small = new TokenUsage(1_000, 1_000);

        Assert.Equal(ExactCredits.FromCredits(0.75m), prices.GetExactCost("small-fast", small, MissionPrices.PriceChange.AddTicks(-1)));
        Assert.Equal(ExactCredits.FromCredits(1.5m), prices.GetExactCost("small-fast", small, MissionPrices.PriceChange));
        Assert.Equal(ExactCredits.FromCredits(3m * 2.5m), prices.GetExactCost("large-reasoner", new TokenUsage(3_000, 0), MissionPrices.PriceChange));
        Assert.Equal(ExactCredits.FromCredits(3.001m * 5m), prices.GetExactCost("large-reasoner", new TokenUsage(3_001, 0), MissionPrices.PriceChange));
        Assert.Equal(ExactCredits.FromCredits(1m), prices.GetExactCost("balanced", new TokenUsage(1_000, 0, cacheWriteInputTokens: 1_000), MissionPrices.PriceChange));
        Assert.True(MissionPrices.MissionDate(0, 20) < MissionPrices.PriceChange && MissionPrices.MissionDate(19, 20) > MissionPrices.PriceChange);
    }
}
