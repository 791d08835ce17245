namespace AgentCosts.Internal;

/// <summary>
/// Rounds a mission's exact total once and shares the whole credits among its agents by largest remainder, so the
/// agents' integer costs always add up to the mission's. Ties go to the ordinally smaller agent name.
/// </summary>
internal static class CreditApportionment
{
    /// <summary>Replaces each agent's whole-credit cost by its share of the rounded total.</summary>
    /// <param name="agents">The agents in ordinal name order, with exact costs.</param>
    /// <param name="rounding">How the total is rounded.</param>
    /// <returns>The agents with apportioned costs, and the total with the rounded cost.</returns>
    public static (KeyValuePair<string, AgentCost>[] Agents, AgentCost Total) Apportion(
        IReadOnlyList<KeyValuePair<string, AgentCost>> agents, CreditRounding rounding)
    {
        var total = AgentCost.Zero;
        foreach (var (_, cost) in agents)
        {
            total += cost;
        }

        long roundedTotal = total.ExactCost.Round(rounding);
        var result = new KeyValuePair<string, AgentCost>[agents.Count];
        var remainders = new (Int128 Remainder, int Index)[agents.Count];
        long floors = 0;
        for (int i = 0; i < agents.Count; i++)
        {
            var (name, cost) = agents[i];
            long floor = cost.ExactCost.Round(CreditRounding.Down);
            floors = checked(floors + floor);
            remainders[i] = (cost.ExactCost.Nanocredits - ((Int128)floor * ExactCredits.NanocreditsPerCredit), i);
            result[i] = new(name, cost.WithCost(floor));
        }

        // The total lies between the sum of the floors and the sum of the ceilings, so the credits left over are at
        // most the number of agents with a fraction: each of them gets at most one.
        long leftOver = roundedTotal - floors;
        Array.Sort(remainders, static (a, b) => a.Remainder != b.Remainder ? b.Remainder.CompareTo(a.Remainder) : a.Index.CompareTo(b.Index));
        for (int i = 0; i < leftOver; i++)
        {
            int index = remainders[i].Index;
            var (name, cost) = result[index];
            result[index] = new(name, cost.WithCost(cost.Cost + 1));
        }

        return (result, total.WithCost(roundedTotal));
    }
}
