namespace AgentCosts;

/// <summary>
/// Credits held from a <see cref="MissionBudget"/> (and every budget above it) for one piece of work.
/// </summary>
/// <remarks>
/// When the budget belongs to a <see cref="MissionCostTracker"/>, record the work's cost through the tracker (that
/// spends it) and then <see cref="Complete"/> the reservation (that releases the hold and records any overshoot):
/// nothing is counted twice. For a budget used on its own, <see cref="Settle(ExactCredits)"/> spends the real cost and
/// releases the hold in one step. Disposing an unsettled reservation releases it.
/// </remarks>
public sealed class BudgetReservation : IDisposable
{
    internal static readonly BudgetReservation None = new(null, 0);

    private readonly MissionBudget? _budget;
    private readonly long _nanocredits;
    private int _settled;

    internal BudgetReservation(MissionBudget? budget, long nanocredits)
    {
        _budget = budget;
        _nanocredits = nanocredits;
        _settled = budget is null ? 1 : 0;
    }

    /// <summary>Credits held.</summary>
    public ExactCredits Credits => new(_nanocredits);

    /// <summary>Whether the reservation was settled or released.</summary>
    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>Spends the real cost in whole credits and releases the rest of the hold.</summary>
    /// <param name="actualCredits">What the work cost, zero or more (more than reserved is spent too).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="actualCredits"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">
    /// The reservation was already settled or released, or a tracker owns the budget (record the cost there instead).
    /// </exception>
    public void Settle(long actualCredits) => Settle(ExactCredits.FromCredits(actualCredits));

    /// <summary>Spends the real, exact cost and releases the rest of the hold.</summary>
    /// <param name="actualCost">What the work cost (more than reserved is spent too).</param>
    /// <exception cref="ArgumentOutOfRangeException">The amount exceeds a 64-bit count of nanocredits.</exception>
    /// <exception cref="InvalidOperationException">
    /// The reservation was already settled or released, or a tracker owns the budget (record the cost there instead).
    /// </exception>
    public void Settle(ExactCredits actualCost)
    {
        long actual = actualCost.ToInt64Nanocredits(nameof(actualCost));
        if (_budget is { IsOwned: true })
        {
            throw new InvalidOperationException(
                "This budget belongs to a mission tracker, which spends every cost recorded through it: record the cost with the tracker and dispose the "
                    + "reservation.");
        }

        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            throw new InvalidOperationException("This reservation was already settled or released.");
        }

        _budget!.Settle(_nanocredits, actual);
    }

    /// <summary>
    /// Releases the hold after the work's cost was recorded through the tracker that owns the budget, and records what it
    /// cost beyond the hold as <see cref="MissionBudget.Overshoot"/> at every level.
    /// </summary>
    /// <param name="actualCost">What the work cost, as recorded.</param>
    /// <returns>The overshoot: what the work cost beyond the hold (zero when the hold covered it).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The amount exceeds a 64-bit count of nanocredits.</exception>
    public ExactCredits Complete(ExactCredits actualCost)
    {
        long actual = actualCost.ToInt64Nanocredits(nameof(actualCost));
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _budget!.Complete(_nanocredits, actual);
        }

        return new(Math.Max(0, actual - _nanocredits));
    }

    /// <summary>Releases the hold if the reservation was not settled (the work's cost, if any, is recorded elsewhere).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _budget!.ReleaseAll(_nanocredits);
        }
    }
}
