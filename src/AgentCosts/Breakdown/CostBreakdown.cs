using System.Text.Json;

namespace AgentCosts.Breakdown;

/// <summary>
/// Costs across many missions per agent: totals, mission counts, averages per mission and each agent's share of the
/// credits, sorted by credits (highest first, then by name).
/// </summary>
public sealed class CostBreakdown
{
    private CostBreakdown(int missions, AgentCost total, IReadOnlyList<AgentBreakdown> agents)
    {
        Missions = missions;
        Total = total;
        Agents = agents;
    }

    /// <summary>How many missions were aggregated.</summary>
    public int Missions { get; }

    /// <summary>The totals over all missions and agents.</summary>
    public AgentCost Total { get; }

    /// <summary>One line per agent, by credits descending, then name (ordinal).</summary>
    public IReadOnlyList<AgentBreakdown> Agents { get; }

    /// <summary>Aggregates missions.</summary>
    /// <param name="missions">Each mission's snapshot.</param>
    /// <returns>The breakdown.</returns>
    /// <exception cref="OverflowException">A total exceeds <see cref="long.MaxValue"/>.</exception>
    public static CostBreakdown From(IEnumerable<MissionCosts> missions)
    {
        ArgumentNullException.ThrowIfNull(missions);
        var totals = new Dictionary<string, (AgentCost Cost, int Missions)>(StringComparer.Ordinal);
        int count = 0;
        var total = AgentCost.Zero;
        foreach (var mission in missions)
        {
            ArgumentNullException.ThrowIfNull(mission, nameof(missions));
            count++;
            total += mission.Total;
            foreach (var (agent, cost) in mission.Agents)
            {
                totals[agent] = totals.TryGetValue(agent, out var sum) ? (sum.Cost + cost, sum.Missions + 1) : (cost, 1);
            }
        }

        var agents = totals
            .Select(pair => new AgentBreakdown(pair.Key, pair.Value.Cost, pair.Value.Missions, total.Cost))
            .OrderByDescending(line => line.Total.Cost)
            .ThenBy(line => line.Agent, StringComparer.Ordinal)
            .ToArray();
        return new CostBreakdown(count, total, agents);
    }

    /// <summary>Writes the breakdown as compact JSON (camelCase; durations in milliseconds; shares 0 to 1).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(ToDocument(), BreakdownJsonContext.Default.BreakdownDocument);

    private BreakdownDocument ToDocument() => new(
        Missions,
        new CostTotals(Total.Tokens, Total.Cost, Total.DurationMilliseconds),
        [.. Agents.Select(a => new AgentLine(
            a.Agent, a.Total.Tokens, a.Total.Cost, a.Total.DurationMilliseconds, a.Missions,
            a.AverageTokens, a.AverageCost, a.AverageDurationMilliseconds, a.CostShare))]);
}
