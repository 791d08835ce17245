using System.Text.Json;
using AgentCosts.Internal;

namespace AgentCosts;

/// <summary>
/// Costs across many missions per agent: totals, mission counts, averages per mission and each agent's share of the
/// credits, sorted by credits (highest first, then by name).
/// </summary>
/// <remarks>
/// Exact amounts are added up and rounded once at the end, then apportioned to the agents as a snapshot does, so the
/// agents' credits add up to the total's.
/// </remarks>
public sealed class CostBreakdown
{
    private CostBreakdown(int missions, AgentCost total, IReadOnlyList<AgentBreakdown> agents, IReadOnlyDictionary<string, ModelUsage> models)
    {
        Missions = missions;
        Total = total;
        Agents = agents;
        Models = models;
    }

    /// <summary>How many missions were aggregated.</summary>
    public int Missions { get; }

    /// <summary>The totals over all missions and agents.</summary>
    public AgentCost Total { get; }

    /// <summary>One line per agent, by credits descending, then name (ordinal).</summary>
    public IReadOnlyList<AgentBreakdown> Agents { get; }

    /// <summary>Totals per model, from the missions that recorded their calls' usage (ordinal order).</summary>
    public IReadOnlyDictionary<string, ModelUsage> Models { get; }

    /// <summary>Sub-agent → the agent that started it, from the missions' <see cref="MissionCosts.Parents"/> (the first one an agent was given).</summary>
    public IReadOnlyDictionary<string, string> Parents { get; private init; } = new Dictionary<string, string>();

    /// <summary>Aggregates missions, rounding half up.</summary>
    /// <param name="missions">Each mission's snapshot.</param>
    /// <returns>The breakdown.</returns>
    /// <exception cref="OverflowException">A total exceeds <see cref="long.MaxValue"/>.</exception>
    public static CostBreakdown From(IEnumerable<MissionCosts> missions) => From(missions, CreditRounding.HalfUp);

    /// <summary>Aggregates missions.</summary>
    /// <param name="missions">Each mission's snapshot.</param>
    /// <param name="rounding">How the exact total becomes whole credits.</param>
    /// <returns>The breakdown.</returns>
    /// <exception cref="OverflowException">A total exceeds <see cref="long.MaxValue"/>.</exception>
    public static CostBreakdown From(IEnumerable<MissionCosts> missions, CreditRounding rounding)
    {
        ArgumentNullException.ThrowIfNull(missions);
        var totals = new SortedDictionary<string, (AgentCost Cost, int Missions)>(StringComparer.Ordinal);
        var models = new SortedDictionary<string, ModelUsage>(StringComparer.Ordinal);
        var parents = new SortedDictionary<string, string>(StringComparer.Ordinal);
        int count = 0;
        foreach (var mission in missions)
        {
            ArgumentNullException.ThrowIfNull(mission, nameof(missions));
            count++;
            foreach (var (agent, cost) in mission.Agents)
            {
                totals[agent] = totals.TryGetValue(agent, out var sum) ? (sum.Cost + cost, sum.Missions + 1) : (cost, 1);
            }

            foreach (var (model, usage) in mission.Models)
            {
                models[model] = models.TryGetValue(model, out var sum) ? sum + usage : usage;
            }

            foreach (var (agent, parent) in mission.Parents)
            {
                parents.TryAdd(agent, parent);
            }
        }

        var breakdown = Create(count, totals, models, rounding);
        return parents.Count == 0
            ? breakdown
            : new CostBreakdown(breakdown.Missions, breakdown.Total, breakdown.Agents, breakdown.Models) { Parents = parents };
    }

    private static CostBreakdown Create(
        int count,
        SortedDictionary<string, (AgentCost Cost, int Missions)> totals,
        SortedDictionary<string, ModelUsage> models,
        CreditRounding rounding)
    {
        var (apportioned, total) = CreditApportionment.Apportion(
            [.. totals.Select(pair => new KeyValuePair<string, AgentCost>(pair.Key, pair.Value.Cost))], rounding);
        var agents = apportioned
            .Select(pair => new AgentBreakdown(pair.Key, pair.Value, totals[pair.Key].Missions, total.Cost))
            .OrderByDescending(line => line.Total.Cost)
            .ThenBy(line => line.Agent, StringComparer.Ordinal)
            .ToArray();
        return new CostBreakdown(count, total, agents, models);
    }

    /// <summary>
    /// A breakdown from per-agent totals computed elsewhere, for example by one SQL query over stored <c>agentCosts</c>
    /// columns.
    /// </summary>
    /// <param name="missions">How many missions the totals cover (missions without agents included).</param>
    /// <param name="agents">Each agent once, with its totals and the number of missions it appears in.</param>
    /// <param name="rounding">How the total's exact credits are rounded.</param>
    /// <exception cref="ArgumentException">
    /// An agent appears twice, has an empty name, or a mission count below 1 or above <paramref name="missions"/>.
    /// </exception>
    /// <remarks>
    /// The same lines, shares and rounding as <see cref="From(IEnumerable{MissionCosts}, CreditRounding)"/> over the
    /// missions those totals came from.
    /// </remarks>
    public static CostBreakdown FromTotals(int missions, IEnumerable<AgentTotal> agents, CreditRounding rounding = AgentCostsDefaults.Rounding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(missions);
        ArgumentNullException.ThrowIfNull(agents);
        var totals = new SortedDictionary<string, (AgentCost Cost, int Missions)>(StringComparer.Ordinal);
        foreach (var line in agents)
        {
            if (string.IsNullOrEmpty(line.Agent))
            {
                throw new ArgumentException("An agent name is empty.", nameof(agents));
            }

            if (line.Missions < 1 || line.Missions > missions)
            {
                throw new ArgumentException($"Agent '{line.Agent}' appears in {line.Missions} missions; it must be between 1 and {missions}.", nameof(agents));
            }

            if (!totals.TryAdd(line.Agent, (line.Total, line.Missions)))
            {
                throw new ArgumentException($"Agent '{line.Agent}' appears more than once.", nameof(agents));
            }
        }

        return Create(missions, totals, new SortedDictionary<string, ModelUsage>(StringComparer.Ordinal), rounding);
    }

    /// <summary>Writes the breakdown as compact JSON (camelCase; durations in milliseconds; shares 0 to 1).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(ToDocument(), BreakdownJsonContext.Default.BreakdownDocument);

    private BreakdownDocument ToDocument() => new(
        Missions,
        new CostTotals(Total.Tokens, Total.Cost, Total.DurationMilliseconds, Total.ExactCost.Credits),
        [.. Agents.Select(a => new AgentLine(
            a.Agent, a.Total.Tokens, a.Total.Cost, a.Total.DurationMilliseconds, a.Missions,
            a.AverageTokens, a.AverageCost, a.AverageDurationMilliseconds, a.CostShare, a.Total.ExactCost.Credits,
            Split(a.Total.Usage)))],
        Models.Count == 0 ? null : Models.ToDictionary(
            pair => pair.Key,
            pair => new ModelLine(pair.Value.Calls, pair.Value.Usage.TotalTokens, pair.Value.ExactCost.Credits, Split(pair.Value.Usage)!),
            StringComparer.Ordinal),
        Parents.Count == 0 ? null : Parents);

    private static UsageLine? Split(TokenUsage usage) => usage == TokenUsage.Zero
        ? null
        : new UsageLine(usage.InputTokens, usage.OutputTokens, usage.CachedInputTokens, usage.ReasoningTokens);
}
