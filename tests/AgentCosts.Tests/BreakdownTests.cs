using System.Text.Json;

namespace AgentCosts.Tests;

public sealed class BreakdownTests
{
    [Fact]
    public void From_Missions_GivesTotalsCountsAveragesAndShares()
    {
        var first = MissionCosts.Parse("{\"genesis-architect\":{\"tokens\":12450,\"cost\":125,\"duration\":2300},\"seo-analyst\":{\"tokens\":8200,\"cost\":82,\"duration\":1800}}");
        var second = MissionCosts.Parse("{\"genesis-architect\":{\"tokens\":550,\"cost\":75,\"duration\":700},\"writer\":{\"tokens\":100,\"cost\":18,\"duration\":50}}");

        var breakdown = CostBreakdown.From([first, second]);

        Assert.Equal(2, breakdown.Missions);
        Assert.Equal(new AgentCost(21300, 300, 4850), breakdown.Total);
        Assert.Equal(["genesis-architect", "seo-analyst", "writer"], breakdown.Agents.Select(a => a.Agent));
        var architect = breakdown.Agents[0];
        Assert.Equal(new AgentCost(13000, 200, 3000), architect.Total);
        Assert.Equal(2, architect.Missions);
        Assert.Equal(100, architect.AverageCost);
        Assert.Equal(6500, architect.AverageTokens);
        Assert.Equal(1500, architect.AverageDurationMilliseconds);
        Assert.Equal(200d / 300, architect.CostShare, 12);
        Assert.Equal(1, breakdown.Agents.Sum(a => a.CostShare), 12);
    }

    [Fact]
    public void From_NoMissionsOrNoCost_SharesAreZero()
    {
        Assert.Empty(CostBreakdown.From([]).Agents);
        var free = CostBreakdown.From([new MissionCosts([new("a", new AgentCost(1, 0, 1))])]);
        Assert.Equal(0, free.Agents[0].CostShare);
    }

    [Fact]
    public void ToJson_WritesDocumentedShape()
    {
        var breakdown = CostBreakdown.From([new MissionCosts([new("a", new AgentCost(10, 4, 6)), new("b", new AgentCost(0, 4, 0))])]);

        using var json = JsonDocument.Parse(breakdown.ToJson());

        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("missions").GetInt32());
        Assert.Equal(8, root.GetProperty("total").GetProperty("cost").GetInt64());
        var a = root.GetProperty("agents")[0];
        Assert.Equal("a", a.GetProperty("agent").GetString());
        Assert.Equal(0.5, a.GetProperty("costShare").GetDouble());
        Assert.Equal(6, a.GetProperty("duration").GetInt64());
        Assert.Equal(10, a.GetProperty("averageTokens").GetDouble());
    }

    [Fact]
    public void FromTotals_RefusesDuplicateEmptyOrImpossibleLines()
    {
        var cost = new AgentCost(1, 1, 1);
        Assert.Throws<ArgumentException>(() => CostBreakdown.FromTotals(2, [new("a", cost, 1), new("a", cost, 1)]));
        Assert.Throws<ArgumentException>(() => CostBreakdown.FromTotals(2, [new("", cost, 1)]));
        Assert.Throws<ArgumentException>(() => CostBreakdown.FromTotals(2, [new("a", cost, 3)]));
        Assert.Throws<ArgumentException>(() => CostBreakdown.FromTotals(2, [new("a", cost, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CostBreakdown.FromTotals(-1, []));
        Assert.Equal(0, CostBreakdown.FromTotals(3, []).Total.Cost);
        Assert.Equal(3, CostBreakdown.FromTotals(3, []).Missions);
    }
}
