namespace AgentCosts;

/// <summary>
/// One agent's totals over many missions, aggregated elsewhere (a database's <c>GROUP BY</c> over stored
/// <c>agentCosts</c>): the input of <see cref="CostBreakdown.FromTotals(int, IEnumerable{AgentTotal}, CreditRounding)"/>.
/// </summary>
public readonly record struct AgentTotal
{
    /// <summary>Creates one agent's totals.</summary>
    /// <param name="agent">The agent's name.</param>
    /// <param name="total">What the agent spent across those missions.</param>
    /// <param name="missions">How many missions the agent appears in; at least 1.</param>
    public AgentTotal(string agent, AgentCost total, int missions)
    {
        Agent = agent;
        Total = total;
        Missions = missions;
    }

    /// <summary>The agent's name.</summary>
    public string Agent { get; }

    /// <summary>What the agent spent across those missions.</summary>
    public AgentCost Total { get; }

    /// <summary>How many missions the agent appears in; at least 1.</summary>
    public int Missions { get; }
}
