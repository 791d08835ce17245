using System.Collections.Concurrent;
using AgentCosts.Internal;

namespace AgentCosts;

/// <summary>
/// A credit budget, exact to the nanocredit: a mission's, or (made by <see cref="ForAgent"/>) an agent's or a
/// sub-agent's inside it.
/// </summary>
/// <remarks>
/// Work reserves credits before it runs, from its level and every level above it at once or from none, so concurrent
/// agents can never hold more than any level's <see cref="Limit"/> between them.
/// <para/>
/// Given to a <see cref="MissionCostTracker"/>, the mission's budget is that tracker's one ledger: every cost recorded
/// through the tracker is spent at the levels that apply as it is recorded, and a reservation is then released
/// (<see cref="BudgetReservation.Complete"/>) once the work's cost is recorded. Which levels apply to an agent: its own
/// budget, else the budget of its nearest parent agent that has one, else the mission's; and every budget above that one.
/// </remarks>
public sealed class MissionBudget
{
    // Spent plus outstanding reservations: the only number a reservation has to check.
    private long _committed;
    private long _spent;
    private long _overshoot;
    private readonly long _limit;
    private readonly MissionBudget _root;
    private int _owned;

    /// <summary>The agents' budgets of the whole tree, by agent name (the root's only).</summary>
    private readonly ConcurrentDictionary<string, MissionBudget>? _agents;

    /// <summary>
    /// Whether any agent has a budget (the root's only): read on every charge, where <c>ConcurrentDictionary.IsEmpty</c>
    /// would take all of the dictionary's locks whenever it is empty.
    /// </summary>
    private volatile bool _hasAgents;

    /// <summary>Creates a budget of whole credits.</summary>
    /// <param name="limit">Credits available to the mission, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is negative or too large.</exception>
    public MissionBudget(long limit)
        : this(ExactCredits.FromCredits(limit))
    {
    }

    /// <summary>Creates a budget of an exact amount.</summary>
    /// <param name="limit">Credits available to the mission.</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is too large for a 64-bit count of nanocredits.</exception>
    public MissionBudget(ExactCredits limit)
    {
        _limit = limit.ToInt64Nanocredits(nameof(limit));
        _root = this;
        _agents = new(StringComparer.Ordinal);
    }

    private MissionBudget(MissionBudget parent, string agentName, long limit)
    {
        _limit = limit;
        _root = parent._root;
        Parent = parent;
        AgentName = agentName;
    }

    /// <summary>Credits available at this level.</summary>
    public ExactCredits Limit => new(_limit);

    /// <summary>Credits spent so far: settled reservations and, when a tracker owns the budget, every recorded cost.</summary>
    public ExactCredits Spent => new(Volatile.Read(ref _spent));

    /// <summary>Credits held by reservations not yet settled or released.</summary>
    public ExactCredits Reserved => new(Math.Max(0, Volatile.Read(ref _committed) - Volatile.Read(ref _spent)));

    /// <summary>Credits that can still be reserved at this level (never negative).</summary>
    public ExactCredits Remaining => new(Math.Max(0, _limit - Volatile.Read(ref _committed)));

    /// <summary>Whether spending has gone past the limit (work that ran without a reservation, or cost more than it reserved).</summary>
    public bool IsExceeded => Volatile.Read(ref _spent) > _limit;

    /// <summary>What completed work cost beyond what it had reserved, summed: how far the estimates fell short.</summary>
    public ExactCredits Overshoot => new(Volatile.Read(ref _overshoot));

    /// <summary>The agent this budget is for; <see langword="null"/> for the mission's own budget.</summary>
    public string? AgentName { get; }

    /// <summary>The budget this one sits inside; <see langword="null"/> for the mission's own budget.</summary>
    public MissionBudget? Parent { get; }

    /// <summary>Whether a tracker records into this budget (then reservations are released, not settled).</summary>
    internal bool IsOwned => Volatile.Read(ref _root._owned) != 0;

    /// <summary>Gives an agent (or, on an agent's budget, a sub-agent) a budget of its own inside this one.</summary>
    /// <param name="agent">The agent's name, as the tracker records it.</param>
    /// <param name="limit">More than zero and at most this budget's limit.</param>
    /// <returns>The agent's budget.</returns>
    /// <exception cref="ArgumentException">The name is not well formed, the agent has a budget already, or the limit is above this one's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The limit is zero or negative.</exception>
    public MissionBudget ForAgent(string agent, ExactCredits limit)
    {
        AgentNames.Validate(agent, nameof(agent));
        long nanocredits = limit.ToInt64Nanocredits(nameof(limit));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nanocredits, nameof(limit));
        if (nanocredits > _limit)
        {
            throw new ArgumentException($"The budget of '{agent}' ({limit}) is larger than {Describe()} ({Limit}) it sits inside.", nameof(limit));
        }

        var budget = new MissionBudget(this, agent, nanocredits);
        if (!_root._agents!.TryAdd(agent, budget))
        {
            throw new ArgumentException($"'{agent}' has a budget already.", nameof(agent));
        }

        _root._hasAgents = true;
        return budget;
    }

    /// <summary>The budget given to an agent with <see cref="ForAgent"/>, anywhere in this mission's tree.</summary>
    /// <param name="agent">The agent's name.</param>
    /// <param name="budget">Its budget, when it has one.</param>
    /// <returns><see langword="true"/> when the agent has a budget of its own.</returns>
    public bool TryGetAgentBudget(string agent, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MissionBudget? budget) =>
        _root._agents!.TryGetValue(agent, out budget);

    /// <summary>Tries to reserve whole credits from this level and every level above it.</summary>
    /// <param name="credits">Credits to hold, zero or more.</param>
    /// <param name="reservation">The reservation when granted; settle or dispose it.</param>
    /// <returns><see langword="false"/> when a level cannot cover it (nothing is held then).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="credits"/> is negative.</exception>
    public bool TryReserve(long credits, out BudgetReservation reservation) =>
        TryReserve(ExactCredits.FromCredits(credits), out reservation);

    /// <summary>Tries to reserve an exact amount from this level and every level above it.</summary>
    /// <param name="credits">The amount to hold.</param>
    /// <param name="reservation">The reservation when granted; settle or dispose it.</param>
    /// <returns><see langword="false"/> when a level cannot cover it (nothing is held then).</returns>
    public bool TryReserve(ExactCredits credits, out BudgetReservation reservation) => TryReserve(credits, out reservation, out _);

    /// <summary>Reserves whole credits from this level and every level above it, or throws.</summary>
    /// <param name="credits">Credits to hold, zero or more.</param>
    /// <returns>The reservation; settle or dispose it.</returns>
    /// <exception cref="BudgetExceededException">A level cannot cover it; the exception names it.</exception>
    public BudgetReservation Reserve(long credits) => Reserve(ExactCredits.FromCredits(credits));

    /// <summary>Reserves an exact amount from this level and every level above it, or throws.</summary>
    /// <param name="credits">The amount to hold.</param>
    /// <returns>The reservation; settle or dispose it.</returns>
    /// <exception cref="BudgetExceededException">A level cannot cover it; the exception names it.</exception>
    public BudgetReservation Reserve(ExactCredits credits) =>
        TryReserve(credits, out var reservation, out var refused) ? reservation : throw refused!.Refusal(credits);

    /// <summary>Describes the budget.</summary>
    /// <returns>Its level, limit, spent and reserved credits.</returns>
    public override string ToString() =>
        $"Budget of {Describe()} {Limit}: {Spent} spent, {Reserved} reserved, {Remaining} remaining, {Overshoot} overshoot";

    /// <summary>Reserves from every level from this one up, or from none; <paramref name="refused"/> is the first level that could not.</summary>
    internal bool TryReserve(ExactCredits credits, out BudgetReservation reservation, out MissionBudget? refused)
    {
        long amount = credits.Nanocredits <= _root._limit ? (long)credits.Nanocredits : long.MaxValue;
        for (var level = this; level is not null; level = level.Parent)
        {
            if (!level.TryHold(amount))
            {
                // Give back what the levels below took: all or none.
                for (var taken = this; taken != level; taken = taken.Parent!)
                {
                    taken.Release(amount);
                }

                reservation = BudgetReservation.None;
                refused = level;
                return false;
            }
        }

        reservation = new BudgetReservation(this, amount);
        refused = null;
        return true;
    }

    /// <summary>The level an agent's work is charged to: its budget, its nearest budgeted parent's, or the mission's.</summary>
    internal MissionBudget LevelFor(string agent, Func<string, string?> parentOf)
    {
        if (!_root._hasAgents)
        {
            return _root;
        }

        for (string? name = agent; name is not null; name = parentOf(name))
        {
            if (_root._agents!.TryGetValue(name, out var budget))
            {
                return budget;
            }
        }

        return _root;
    }

    /// <summary>The error for a reservation this level refused, naming it.</summary>
    internal BudgetExceededException Refusal(ExactCredits requested) => new(Limit, requested, Remaining, AgentName);

    /// <summary>Makes a tracker the one that records into this budget.</summary>
    internal void Attach()
    {
        if (Parent is not null)
        {
            throw new InvalidOperationException("An agent's budget belongs to its mission's: give the tracker the mission's budget.");
        }

        if (Interlocked.Exchange(ref _owned, 1) != 0)
        {
            throw new InvalidOperationException("This budget already belongs to another mission tracker.");
        }
    }

    /// <summary>Spends recorded work at this level and every level above it; true when the mission's spending just crossed its limit.</summary>
    internal bool Charge(long nanocredits)
    {
        bool crossed = false;
        for (var level = this; level is not null; level = level.Parent)
        {
            // The work has happened: its cost counts even past the limit. Spent first, so a concurrent reservation never
            // sees less committed than was really spent.
            long spent = Interlocked.Add(ref level._spent, nanocredits);
            Interlocked.Add(ref level._committed, nanocredits);
            crossed = spent > level._limit && spent - nanocredits <= level._limit;
        }

        return crossed;
    }

    /// <summary>Settles a reservation at every level: spends the actual cost, releases the hold, records any overshoot.</summary>
    internal void Settle(long reserved, long actual)
    {
        for (var level = this; level is not null; level = level.Parent)
        {
            Interlocked.Add(ref level._spent, actual);
            Interlocked.Add(ref level._committed, actual - reserved);
            level.AddOvershoot(actual - reserved);
        }
    }

    /// <summary>Releases a hold at every level; the work's cost, if any, was recorded through the tracker.</summary>
    internal void Complete(long reserved, long actual)
    {
        for (var level = this; level is not null; level = level.Parent)
        {
            level.Release(reserved);
            level.AddOvershoot(actual - reserved);
        }
    }

    /// <summary>Releases a hold at every level without spending.</summary>
    internal void ReleaseAll(long reserved)
    {
        for (var level = this; level is not null; level = level.Parent)
        {
            level.Release(reserved);
        }
    }

    private bool TryHold(long amount)
    {
        long committed = Volatile.Read(ref _committed);
        while (true)
        {
            if (amount > _limit - committed)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _committed, committed + amount, committed);
            if (seen == committed)
            {
                return true;
            }

            committed = seen;
        }
    }

    private void Release(long reserved) => Interlocked.Add(ref _committed, -reserved);

    private void AddOvershoot(long beyond)
    {
        if (beyond > 0)
        {
            Interlocked.Add(ref _overshoot, beyond);
        }
    }

    private string Describe() => AgentName is null ? "the mission" : $"agent '{AgentName}'";
}
