using AgentCosts.Internal;
using AgentCosts.Metrics;

namespace AgentCosts;

/// <summary>One agent of one mission, resolved once with <see cref="MissionCostTracker.Agent"/>.</summary>
/// <remarks>
/// Recording through it is a few plain additions to the calling thread's own counter cell: no lock, no interlocked
/// instruction, no allocation, no dictionary look-up, and no cache-line traffic between threads recording the same
/// agent. Safe for concurrent use; totals are the sum of the cells.
/// </remarks>
public sealed class AgentHandle
{
    private const long NanosecondsPerMillisecond = 1_000_000;
    private const long NanosecondsPerTick = 100;
    private readonly MissionLedger _ledger;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly CounterCells _cells = new();

    internal AgentHandle(string name, MissionLedger ledger)
    {
        Name = name;
        _ledger = ledger;
        _tag = new KeyValuePair<string, object?>(AgentCostsMetrics.AgentNameTag, name);
    }

    /// <summary>The agent's name.</summary>
    public string Name { get; }

    /// <summary>Adds one step's tokens, exact cost and time to this agent, all or nothing: the hot path, lock-free and allocation-free.</summary>
    /// <param name="tokens">Tokens used, zero or more.</param>
    /// <param name="cost">The exact cost (<c>ExactCredits.FromCredits(82)</c>, or a price table's); rounded only when a snapshot is taken.</param>
    /// <param name="duration">Time spent, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or a total would overflow; nothing is recorded.</exception>
    public void Record(long tokens, ExactCredits cost, TimeSpan duration) =>
        AddStep(tokens, cost.ToInt64Nanocredits(nameof(cost)), ToNanoseconds(duration));

    /// <summary>Records one model call priced by the tracker's <see cref="MissionCostTracker.Prices"/> (with the table's unknown-model policy).</summary>
    /// <param name="model">The model id, as in the price table.</param>
    /// <param name="usage">The call's tokens, split as the provider reports them.</param>
    /// <param name="duration">How long the call took.</param>
    /// <returns>The exact cost recorded.</returns>
    /// <exception cref="InvalidOperationException">The tracker has no price table.</exception>
    /// <exception cref="UnknownModelException">The model has no price and the table's policy is to throw; nothing is recorded.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The duration is negative, or a total would overflow; nothing is recorded.</exception>
    public ExactCredits RecordUsage(string model, TokenUsage usage, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(model);
        // The mission prices the call, as of now on its clock.
        var cost = _ledger.Price(model, usage);
        RecordUsage(model, usage, cost, duration);
        return cost;
    }

    /// <summary>Records one model call whose cost the caller has priced: split tokens, exact cost and duration, all or nothing.</summary>
    /// <param name="model">The model id, for the per-model totals and the metrics; <see langword="null"/> when unknown.</param>
    /// <param name="usage">The call's tokens.</param>
    /// <param name="cost">The call's exact cost.</param>
    /// <param name="duration">How long the call took.</param>
    /// <param name="providerName">
    /// The provider (<c>openai</c>, <c>anthropic</c>, as <c>ChatClientMetadata.ProviderName</c> says), if known: tags the
    /// metrics (<c>gen_ai.provider.name</c>, <c>gen_ai.request.model</c>).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">The duration is negative, or a total would overflow; nothing is recorded.</exception>
    public void RecordUsage(string? model, TokenUsage usage, ExactCredits cost, TimeSpan duration, string? providerName = null)
    {
        long nanocredits = cost.ToInt64Nanocredits(nameof(cost));
        long nanoseconds = ToNanoseconds(duration);
        // The thread's slot is read once for the agent's cell and the model's.
        int slot = ThreadSlots.Current;
        _cells.For(slot).AddUsage(usage, nanocredits, nanoseconds);
        _ledger.Usage(slot, _tag, model, providerName, usage, nanocredits, nanoseconds);
    }

    /// <summary>Adds tokens.</summary>
    /// <param name="tokens">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddTokens(long tokens)
    {
        var cell = CurrentCell();
        cell.Add(ref cell.Tokens, tokens, nameof(tokens));
        _ledger.Tokens(_tag, tokens);
    }

    /// <summary>Adds an exact cost; it is rounded only when a snapshot is taken.</summary>
    /// <param name="cost">The exact amount (<c>ExactCredits.FromCredits(82)</c> for whole credits).</param>
    /// <exception cref="ArgumentOutOfRangeException">The total would overflow.</exception>
    public void AddCost(ExactCredits cost) => AddNanocredits(cost.ToInt64Nanocredits(nameof(cost)));

    /// <summary>Adds time.</summary>
    /// <param name="duration">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddDuration(TimeSpan duration) => AddNanoseconds(ToNanoseconds(duration));

    /// <summary>Starts timing a step of this agent; disposing the scope adds the elapsed time.</summary>
    /// <returns>The scope; use it with <see langword="using"/>.</returns>
    public TimingScope Start() => new(this, _ledger.GetTimestamp());

    /// <summary>Starts a lap timer for this agent's sequential loop: one clock read per step (see <see cref="LapTimer"/>).</summary>
    /// <returns>The timer, started now.</returns>
    public LapTimer StartLaps() => new(this, _ledger.GetTimestamp());

    /// <summary>This agent's totals so far.</summary>
    /// <returns>The totals: the exact cost, whole credits rounded half up, durations rounded down to whole milliseconds.</returns>
    /// <exception cref="OverflowException">A total over all threads exceeds <see cref="long.MaxValue"/>.</exception>
    public AgentCost GetTotals()
    {
        var totals = _cells.Sum();
        return new AgentCost(totals.Tokens, new ExactCredits(totals.CostNanocredits), totals.DurationNanoseconds / NanosecondsPerMillisecond, totals.Usage);
    }

    internal long GetTimestamp() => _ledger.GetTimestamp();

    internal void AddElapsedTicks(long ticks) => AddNanoseconds(_ledger.TicksToNanoseconds(ticks));

    /// <summary>
    /// Adds one step's tokens, cost and time with one look-up of the thread's cell; a negative value or an overflow
    /// records nothing.
    /// </summary>
    internal void AddStep(long tokens, long costNanocredits, long nanoseconds)
    {
        CurrentCell().AddStep(tokens, costNanocredits, nanoseconds);
        _ledger.Step(_tag, tokens, costNanocredits, nanoseconds);
    }

    internal long TicksToNanoseconds(long ticks) => _ledger.TicksToNanoseconds(ticks);

    private static long ToNanoseconds(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(duration.Ticks, long.MaxValue / NanosecondsPerTick, nameof(duration));
        return duration.Ticks * NanosecondsPerTick;
    }

    private void AddNanocredits(long nanocredits)
    {
        var cell = CurrentCell();
        cell.Add(ref cell.CostNanocredits, nanocredits, "cost");
        _ledger.Cost(_tag, nanocredits);
    }

    private void AddNanoseconds(long nanoseconds)
    {
        var cell = CurrentCell();
        cell.Add(ref cell.DurationNanoseconds, nanoseconds, "duration");
        _ledger.Elapsed(_tag, nanoseconds);
    }

    private CounterCell CurrentCell() => _cells.Current();

    /// <summary>Describes the agent and its totals.</summary>
    /// <returns>For example <c>seo-analyst: 8200 tokens, 82 credits, 1800 ms</c>.</returns>
    public override string ToString() => $"{Name}: {GetTotals()}";
}
