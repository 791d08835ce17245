using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AgentCosts.Tests;

public sealed class PropertyTests
{
    /// <summary>Per-agent sums taken elsewhere (a database's GROUP BY) give the breakdown the missions themselves give.</summary>
    [Property(MaxTest = 200)]
    public Property FromTotals_OfPerAgentSums_EqualsFrom() =>
        Prop.ForAll(
            Gen.OneOf(Generators.Missions.Generator, ExactGenerators.Missions.Generator).ArrayOf().ToArbitrary(),
            missions =>
            {
                var totals = missions
                    .SelectMany(m => m.Agents)
                    .GroupBy(a => a.Key, StringComparer.Ordinal)
                    .Select(g => new AgentTotal(g.Key, g.Aggregate(AgentCost.Zero, (sum, a) => sum + a.Value), g.Count()))
                    .Reverse(); // any order
                return CostBreakdown.FromTotals(missions.Length, totals).ToJson() == CostBreakdown.From(missions).ToJson();
            });

    [Property(MaxTest = 200)]
    public Property Merge_IsAssociative() =>
        Prop.ForAll(Generators.Missions, Generators.Missions, Generators.Missions, (a, b, c) =>
            a.Merge(b).Merge(c).Equals(a.Merge(b.Merge(c))));

    [Property(MaxTest = 200)]
    public Property Merge_IsCommutativeAndKeepsTotals() =>
        Prop.ForAll(Generators.Missions, Generators.Missions, (a, b) =>
            a.Merge(b).Equals(b.Merge(a)).Label("merging is commutative")
                .And((a.Merge(b).Total == a.Total + b.Total).Label("the totals add up"))
                .And(a.Merge(MissionCosts.Empty).Equals(a).Label("merging nothing changes nothing")));

    [Property(MaxTest = 200)]
    public Property JsonRoundTrip_IsIdentity() =>
        Prop.ForAll(Generators.Missions, mission =>
        {
            var back = MissionCosts.Parse(mission.ToJson());
            return back.Equals(mission).Label("the parsed mission equals the written one")
                .And((back.Total == mission.Total).Label("the totals survive"))
                .And((back.ToJson() == mission.ToJson()).Label("writing it again gives the same JSON"));
        });

    [Property(MaxTest = 100)]
    public Property Recording_InAnyOrderOnAnyThreads_GivesSameTotals() =>
        Prop.ForAll(Generators.RecordLists, Arb.From(Gen.Choose(1, 4)), (records, threads) =>
        {
            var expected = Generators.ToMission(records);
            var tracker = new MissionCostTracker();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                for (int i = records.Length - 1 - t; i >= 0; i -= threads)
                {
                    var (agent, tokens, cost, duration) = records[i];
                    if (i % 2 == 0)
                    {
                        tracker.Record(agent, tokens, ExactCredits.FromCredits(cost), TimeSpan.FromMilliseconds(duration));
                    }
                    else
                    {
                        tracker.Agent(agent).Record(tokens, ExactCredits.FromCredits(cost), TimeSpan.FromMilliseconds(duration));
                    }
                }
            });

            return tracker.Snapshot().Equals(expected);
        });
}
