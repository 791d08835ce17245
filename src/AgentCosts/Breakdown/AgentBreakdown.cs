namespace AgentCosts;

/// <summary>One agent's line of a <see cref="CostBreakdown"/>: totals across missions, averages and share of cost.</summary>
public sealed class AgentBreakdown
{
    internal AgentBreakdown(string agent, AgentCost total, int missions, long allCredits)
    {
        Agent = agent;
        Total = total;
        Missions = missions;
        CostShare = allCredits == 0 ? 0 : (double)total.Cost / allCredits;
    }

    /// <summary>The agent's name.</summary>
    public string Agent { get; }

    /// <summary>The agent's totals across all missions.</summary>
    public AgentCost Total { get; }

    /// <summary>In how many missions the agent took part.</summary>
    public int Missions { get; }

    /// <summary>Average tokens per mission the agent took part in.</summary>
    public double AverageTokens => (double)Total.Tokens / Missions;

    /// <summary>Average credits per mission the agent took part in.</summary>
    public double AverageCost => (double)Total.Cost / Missions;

    /// <summary>Average milliseconds per mission the agent took part in.</summary>
    public double AverageDurationMilliseconds => (double)Total.DurationMilliseconds / Missions;

    /// <summary>The agent's share of all whole credits, 0 to 1 (a pie chart's slice); 0 when nothing was charged.</summary>
    public double CostShare { get; }

    /// <summary>Describes the line.</summary>
    /// <returns>Name, totals, missions and share.</returns>
    public override string ToString() => $"{Agent}: {Total} in {Missions} missions ({CostShare:P1} of cost)";
}
