namespace AgentCosts;

/// <summary>
/// One agent's totals over many missions, aggregated elsewhere (a database's <c>GROUP BY</c> over stored
/// <c>agentCosts</c>): the input of <see cref="CostBreakdown.FromTotals(int, IEnumerable{AgentTotal}, CreditRounding)"/>.
/// </summary>
/// <param name="Agent">The agent's name.</param>
/// <param name="Total">What the agent spent across those missions.</param>
/// <param name="Missions">How many missions the agent appears in; at least 1.</param>
public readonly record struct AgentTotal(string Agent, AgentCost Total, int Missions);
