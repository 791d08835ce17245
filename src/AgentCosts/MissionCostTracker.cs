using System.Collections.Concurrent;
using AgentCosts.Internal;
using AgentCosts.Metrics;

namespace AgentCosts;

/// <summary>Accumulates one mission's tokens, credits and time per agent.</summary>
/// <example>
/// <code>
/// var mission = new MissionCostTracker();
/// using (var step = mission.Start("seo-analyst"))
/// {
///     step.AddTokens(1200);
///     step.AddCost(12);
/// }
/// string agentCosts = mission.Snapshot().ToJson();
/// </code>
/// </example>
/// <remarks>
/// Costs are kept exactly (nanocredits) and rounded once, when a <see cref="Snapshot"/> is taken. Safe for concurrent
/// use by any number of agents on any number of threads. For hot paths resolve an <see cref="AgentHandle"/> once with
/// <see cref="Agent"/>.
/// </remarks>
public sealed class MissionCostTracker
{
    private readonly ConcurrentDictionary<string, AgentHandle> _agents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _parents = new(StringComparer.Ordinal);
    private readonly MissionLedger _ledger;

    /// <summary>Creates a tracker.</summary>
    /// <param name="metrics">Instruments to feed as well; none when omitted.</param>
    /// <param name="timeProvider">The clock for timing scopes; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="budget">
    /// The mission's credit budget, if it has one. The tracker becomes its one ledger: every cost recorded here is spent
    /// there. A budget belongs to one tracker.
    /// </param>
    /// <param name="prices">The price table for <see cref="AgentHandle.RecordUsage(string, TokenUsage, TimeSpan)"/>.</param>
    /// <param name="rounding">How a snapshot rounds the exact total to whole credits; half up by default.</param>
    /// <exception cref="InvalidOperationException">The budget already belongs to another tracker.</exception>
    public MissionCostTracker(
        AgentCostsMetrics? metrics = null,
        TimeProvider? timeProvider = null,
        MissionBudget? budget = null,
        PriceTable? prices = null,
        CreditRounding rounding = AgentCostsDefaults.Rounding)
    {
        if (!Enum.IsDefined(rounding))
        {
            throw new ArgumentOutOfRangeException(nameof(rounding), rounding, "Unknown rounding.");
        }

        budget?.Attach();
        _ledger = new MissionLedger(timeProvider ?? TimeProvider.System, prices, budget, metrics, _parents);
        CreditRounding = rounding;
    }

    /// <summary>The mission's credit budget, or <see langword="null"/> when it has none.</summary>
    public MissionBudget? Budget => _ledger.Budget;

    /// <summary>
    /// Reserves credits for an agent's work from every budget that applies to it: its own (<see cref="MissionBudget.ForAgent"/>),
    /// else its nearest parent agent's, else the mission's, and every budget above that one; all of them or none.
    /// </summary>
    /// <param name="agentName">The agent that will do the work.</param>
    /// <param name="credits">The estimate to hold.</param>
    /// <returns>The reservation (holding nothing when the mission has no budget); record the cost here, then complete it.</returns>
    /// <exception cref="BudgetExceededException">A level cannot cover it; <see cref="BudgetExceededException.AgentName"/> names it.</exception>
    public BudgetReservation Reserve(string agentName, ExactCredits credits)
    {
        ArgumentNullException.ThrowIfNull(agentName);
        if (Budget is not { } budget)
        {
            return BudgetReservation.None;
        }

        var level = budget.LevelFor(agentName, _ledger.ParentOf);
        return level.TryReserve(credits, out var reservation, out var refused) ? reservation : throw refused!.Refusal(credits);
    }

    /// <summary>The price table that prices recorded usage, or <see langword="null"/> when the tracker has none.</summary>
    public PriceTable? Prices => _ledger.Prices;

    /// <summary>
    /// The mission's id in the host's terms (a database key, say), for traces: the middleware tags inference spans with it
    /// as <c>agentcosts.mission</c>. Optional.
    /// </summary>
    public string? MissionId { get; init; }

    /// <summary>How a snapshot rounds the mission's exact total to whole credits.</summary>
    public CreditRounding CreditRounding { get; }

    /// <summary>The instruments this tracker feeds, if any.</summary>
    public AgentCostsMetrics? Metrics => _ledger.Metrics;

    /// <summary>Resolves an agent's handle (created on first use). Keep it: recording through it skips the look-up.</summary>
    /// <param name="name">The agent's name: non-empty, compared ordinally.</param>
    /// <returns>The handle; the same instance for the same name.</returns>
    /// <exception cref="ArgumentException">
    /// The name is null or empty, or not well-formed UTF-16 (a lone surrogate, which JSON cannot carry back); nothing is recorded.
    /// </exception>
    public AgentHandle Agent(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // TryGetValue first: on a hit it is about 2 ns faster than GetOrAdd, and a hit is every record after the first.
        // Only a new name is checked: every name in the dictionary passed the check.
        if (_agents.TryGetValue(name, out var handle))
        {
            return handle;
        }

        AgentNames.Validate(name, nameof(name));
        return _agents.GetOrAdd(name, static (n, ledger) => new AgentHandle(n, ledger), _ledger);
    }

    /// <summary>Adds one step's tokens, exact cost and time to an agent; the cost is rounded only when a snapshot is taken.</summary>
    /// <param name="agent">The agent's name.</param>
    /// <param name="tokens">Tokens used, zero or more.</param>
    /// <param name="cost">The exact cost (<c>ExactCredits.FromCredits(82)</c> for whole credits).</param>
    /// <param name="duration">Time spent, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or a total would overflow.</exception>
    public void Record(string agent, long tokens, ExactCredits cost, TimeSpan duration) =>
        Agent(agent).Record(tokens, cost, duration);

    /// <summary>Starts timing a step of an agent: <c>using var step = mission.Start("seo-analyst");</c>.</summary>
    /// <param name="agent">The agent's name.</param>
    /// <returns>The scope; disposing it adds the elapsed time.</returns>
    public TimingScope Start(string agent) => Agent(agent).Start();

    /// <summary>
    /// Takes an immutable snapshot of every agent's totals so far: the exact total rounded once with
    /// <see cref="CreditRounding"/>, its whole credits apportioned to the agents so that they add up.
    /// </summary>
    /// <returns>The snapshot (each agent read field by field; recording may go on meanwhile).</returns>
    public MissionCosts Snapshot() => new(
        _agents.Select(pair => new KeyValuePair<string, AgentCost>(pair.Key, pair.Value.GetTotals())),
        CreditRounding,
        _ledger.ModelTotals(),
        _parents);

    /// <summary>
    /// Records that <paramref name="agent"/> is a sub-agent started by <paramref name="parent"/> (a planner delegating
    /// to a researcher), for <see cref="MissionCosts.RollUp"/>.
    /// </summary>
    /// <param name="agent">The sub-agent's name.</param>
    /// <param name="parent">The name of the agent that started it.</param>
    /// <returns><see langword="true"/> when the relation is recorded (now or before).</returns>
    /// <remarks>
    /// Costs stay on the agent that spent them, so nothing is counted twice. The first parent recorded for an agent
    /// stays; one that would make a cycle is ignored.
    /// </remarks>
    public bool SetParent(string agent, string parent)
    {
        AgentNames.Validate(agent, nameof(agent));
        AgentNames.Validate(parent, nameof(parent));
        if (agent == parent)
        {
            return false;
        }

        // A cycle (the parent descends from the agent) would leave no top-level agent to roll up to.
        for (string? ancestor = parent; ancestor is not null; ancestor = _parents.GetValueOrDefault(ancestor))
        {
            if (ancestor == agent)
            {
                return false;
            }
        }

        return _parents.GetOrAdd(agent, parent) == parent;
    }
}
