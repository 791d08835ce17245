using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AgentCosts.Metrics;

namespace AgentCosts.Internal;

/// <summary>
/// What a mission's agents share, owned by its <see cref="MissionCostTracker"/>: the clock, the price table, the budget
/// (the one ledger every recorded cost is spent in), the per-model totals and the instruments.
/// </summary>
/// <remarks>
/// An <see cref="AgentHandle"/> adds to its own cells and then tells the ledger; the ledger knows neither the tracker
/// nor the handles, so nothing calls back.
/// </remarks>
internal sealed class MissionLedger
{
    private const long NanosecondsPerSecond = 1_000_000_000;
    private readonly ConcurrentDictionary<string, CounterCells> _models = new(StringComparer.Ordinal);
    private readonly long _nanosecondsPerTick;
    private LastModel? _lastModel;

    public MissionLedger(
        TimeProvider timeProvider, PriceTable? prices, MissionBudget? budget, AgentCostsMetrics? metrics, IReadOnlyDictionary<string, string> parents)
    {
        TimeProvider = timeProvider;
        Prices = prices;
        Budget = budget;
        Metrics = metrics;
        ParentOf = name => parents.GetValueOrDefault(name);

        // Stopwatch frequencies (1 GHz on Linux, 10 MHz on Windows) divide a second exactly: one multiplication per step.
        long frequency = timeProvider.TimestampFrequency;
        _nanosecondsPerTick = NanosecondsPerSecond % frequency == 0 ? NanosecondsPerSecond / frequency : 0;
    }

    public TimeProvider TimeProvider { get; }

    public PriceTable? Prices { get; }

    public MissionBudget? Budget { get; }

    /// <summary>The agent that started a sub-agent, as the tracker recorded it: which agent budgets apply to whose work.</summary>
    public Func<string, string?> ParentOf { get; }

    public AgentCostsMetrics? Metrics { get; }

    public long GetTimestamp() => TimeProvider.GetTimestamp();

    public long TicksToNanoseconds(long ticks) => _nanosecondsPerTick > 0
        ? ticks * _nanosecondsPerTick
        : (long)((Int128)ticks * NanosecondsPerSecond / TimeProvider.TimestampFrequency);

    /// <summary>Prices a call as of now on the mission's clock: a dated price table applies the price in effect at the call.</summary>
    public ExactCredits Price(string model, TokenUsage usage)
    {
        var prices = Prices ?? throw new InvalidOperationException(
            "This mission tracker has no price table: create it with one (or through IMissionCostTrackerFactory), or record exact costs yourself.");
        return prices.GetExactCost(model, usage, TimeProvider.GetUtcNow());
    }

    /// <summary>After a step is in the agent's cells: spend its cost and publish it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step(in KeyValuePair<string, object?> agent, long tokens, long nanocredits, long nanoseconds)
    {
        Spend(agent, nanocredits);
        Metrics?.Step(agent, tokens, nanocredits, nanoseconds);
    }

    /// <summary>After tokens alone are in the agent's cells: publish them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Tokens(in KeyValuePair<string, object?> agent, long tokens) => Metrics?.TokensAdded(agent, tokens);

    /// <summary>After a cost alone is in the agent's cells: spend it and publish it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Cost(in KeyValuePair<string, object?> agent, long nanocredits)
    {
        Spend(agent, nanocredits);
        Metrics?.CostAdded(agent, nanocredits);
    }

    /// <summary>After time alone is in the agent's cells: publish it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Elapsed(in KeyValuePair<string, object?> agent, long nanoseconds) => Metrics?.TimeAdded(agent, nanoseconds);

    /// <summary>After a model call is in the agent's cells: add it to its model's totals, spend its cost and publish it.</summary>
    /// <remarks>The thread's slot (<see cref="ThreadSlots.Current"/>) comes from the handle, which read it once for both cells.</remarks>
    public void Usage(
        int slot, in KeyValuePair<string, object?> agent, string? model, string? providerName, in TokenUsage usage, long nanocredits, long nanoseconds)
    {
        if (model is not null)
        {
            ModelCells(model).For(slot).AddUsage(usage, nanocredits, nanoseconds: 0);
        }

        Spend(agent, nanocredits);
        Metrics?.Usage(agent, model, providerName, usage, nanocredits, nanoseconds);
    }

    public IEnumerable<KeyValuePair<string, ModelUsage>> ModelTotals() =>
        _models.Select(pair => new KeyValuePair<string, ModelUsage>(pair.Key, ReadModel(pair.Value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Spend(in KeyValuePair<string, object?> agent, long nanocredits)
    {
        if (Budget is not null && nanocredits > 0
            && Budget.LevelFor((string)agent.Value!, ParentOf).Charge(nanocredits))
        {
            Metrics?.BudgetCrossed(agent);
        }
    }

    /// <summary>
    /// The cells of a model: calls of one model usually repeat its id, so the last is kept at hand, matched by value too
    /// (responses read from JSON each bring their own copy of the id).
    /// </summary>
    private CounterCells ModelCells(string model)
    {
        var last = Volatile.Read(ref _lastModel);
        if (last is not null && (ReferenceEquals(last.Model, model) || string.Equals(last.Model, model, StringComparison.Ordinal)))
        {
            return last.Cells;
        }

        var cells = _models.GetOrAdd(model, static _ => new CounterCells());
        Volatile.Write(ref _lastModel, new LastModel(model, cells));
        return cells;
    }

    private static ModelUsage ReadModel(CounterCells cells)
    {
        var totals = cells.Sum();
        return new ModelUsage(totals.Calls, totals.Usage, new ExactCredits(totals.CostNanocredits));
    }

    private sealed record LastModel(string Model, CounterCells Cells);
}
