using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AgentCosts.Tests;

/// <summary>Sub-agents roll up into the agent that started them; each cost counted once, on its leaf.</summary>
public sealed class RollUpTests
{
    [Fact]
    public void RollUp_APlannerAndItsSubAgents_ShowsThePlannerWithEverythingBelowIt_AndTheFlatJsonIsUnchanged()
    {
        var mission = new MissionCostTracker();
        mission.Record("planner", 100, ExactCredits.FromCredits(0.4m), TimeSpan.FromMilliseconds(10));
        mission.Record("researcher", 200, ExactCredits.FromCredits(1.3m), TimeSpan.FromMilliseconds(20));
        mission.Record("fact-checker", 50, ExactCredits.FromCredits(0.45m), TimeSpan.FromMilliseconds(5));
        mission.Record("publisher", 10, ExactCredits.FromCredits(0.9m), TimeSpan.FromMilliseconds(1));
        Assert.True(mission.SetParent("researcher", "planner"));
        Assert.True(mission.SetParent("fact-checker", "researcher"));

        var snapshot = mission.Snapshot();
        var rolled = snapshot.RollUp();

        Assert.Equal(["planner", "publisher"], rolled.Keys);
        Assert.Equal(ExactCredits.FromCredits(2.15m), rolled["planner"].ExactCost);
        Assert.Equal((350L, 35L), (rolled["planner"].Tokens, rolled["planner"].DurationMilliseconds));
        Assert.Equal(snapshot.Total.Cost, rolled.Values.Sum(a => a.Cost));
        Assert.Equal(new Dictionary<string, string> { ["fact-checker"] = "researcher", ["researcher"] = "planner" }, snapshot.Parents);
        Assert.DoesNotContain("planner\":{\"tokens\":350", snapshot.ToJson(), StringComparison.Ordinal);
        Assert.Equal(4, MissionCosts.Parse(snapshot.ToJson()).Agents.Count);
    }

    [Fact]
    public void SetParent_ACycleOrASecondParent_IsNotRecorded()
    {
        var mission = new MissionCostTracker();

        Assert.True(mission.SetParent("b", "a"));
        Assert.False(mission.SetParent("a", "b"));
        Assert.False(mission.SetParent("b", "c"));
        Assert.False(mission.SetParent("a", "a"));
        Assert.Equal(new Dictionary<string, string> { ["b"] = "a" }, mission.Snapshot().Parents);
        Assert.Throws<ArgumentException>(() => new MissionCosts([], CreditRounding.HalfUp, null, [new("a", "b"), new("b", "a")]));
    }

    [Fact]
    public void Merge_KeepsTheParentsOfBothMissions()
    {
        var first = new MissionCosts([new("a", new AgentCost(1, 1, 1))], CreditRounding.HalfUp, null, [new("a", "lead")]);
        var second = new MissionCosts([new("b", new AgentCost(1, 1, 1))], CreditRounding.HalfUp, null, [new("b", "lead")]);

        var merged = first.Merge(second);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "lead", ["b"] = "lead" }, merged.Parents);
        Assert.Equal(2, merged.RollUp()["lead"].Cost);
    }

    [Fact]
    public void Breakdown_CarriesTheParentsInItsJson_NotTheAgentCosts()
    {
        var mission = new MissionCostTracker();
        mission.Record("planner", 1, ExactCredits.FromCredits(1), TimeSpan.FromMilliseconds(1));
        mission.Record("researcher", 1, ExactCredits.FromCredits(1), TimeSpan.FromMilliseconds(1));
        mission.SetParent("researcher", "planner");
        var snapshot = mission.Snapshot();

        var breakdown = CostBreakdown.From([snapshot, MissionCosts.Parse(snapshot.ToJson())]);

        Assert.Equal(new Dictionary<string, string> { ["researcher"] = "planner" }, breakdown.Parents);
        Assert.Contains("\"parents\":{\"researcher\":\"planner\"}", breakdown.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("parents", snapshot.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("parents", CostBreakdown.From([MissionCosts.Parse(snapshot.ToJson())]).ToJson(), StringComparison.Ordinal);
    }

    /// <summary>For any forest of agents with any exact costs, the roll-up adds up to the mission's total, exactly.</summary>
    [Property(MaxTest = 300)]
    public Property RollUp_ForAnyTreeOfScopes_TotalsEqualTotal() =>
        Prop.ForAll(
            Gen.Choose(1, 12).SelectMany(n => Gen.Zip(
                Gen.Choose(0, 3_000_000).ArrayOf(n),
                Gen.Choose(-1, n - 1).ArrayOf(n))).ToArbitrary(),
            ((int[] Costs, int[] Parents) input) =>
            {
                var mission = new MissionCostTracker();
                for (int i = 0; i < input.Costs.Length; i++)
                {
                    mission.Record($"agent-{i}", i, new ExactCredits(input.Costs[i] * 1_000L), TimeSpan.FromMilliseconds(i));
                    if (input.Parents[i] is int parent && parent >= 0 && parent < i)
                    {
                        mission.SetParent($"agent-{i}", $"agent-{parent}");
                    }
                }

                var snapshot = mission.Snapshot();
                var rolled = snapshot.RollUp();
                return (rolled.Values.Sum(a => a.Cost) == snapshot.Total.Cost).Label("whole credits add up to Total")
                    .And(rolled.Values.Aggregate(ExactCredits.Zero, (s, a) => s + a.ExactCost) == snapshot.Total.ExactCost).Label("exact costs add up to Total")
                    .And(rolled.Keys.All(k => !snapshot.Parents.ContainsKey(k))).Label("only top-level agents")
                    .And(rolled.Values.Sum(a => a.Tokens) == snapshot.Total.Tokens).Label("tokens counted once");
            });
}
