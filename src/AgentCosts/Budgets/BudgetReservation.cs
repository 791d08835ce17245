namespace AgentCosts.Budgets;

/// <summary>
/// Credits held from a <see cref="MissionBudget"/> for one piece of work. <see cref="Settle"/> it with the real cost;
/// disposing an unsettled reservation releases it (the work did not happen). Settles at most once.
/// </summary>
public sealed class BudgetReservation : IDisposable
{
    internal static readonly BudgetReservation None = new(null, 0);

    private readonly MissionBudget? _budget;
    private int _settled;

    internal BudgetReservation(MissionBudget? budget, long credits)
    {
        _budget = budget;
        Credits = credits;
        _settled = budget is null ? 1 : 0;
    }

    /// <summary>Credits held.</summary>
    public long Credits { get; }

    /// <summary>Whether the reservation was settled or released.</summary>
    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>Charges the real cost and releases the rest of the hold.</summary>
    /// <param name="actualCredits">What the work cost, zero or more (more than reserved is charged too).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="actualCredits"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The reservation was already settled or released.</exception>
    public void Settle(long actualCredits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actualCredits);
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            throw new InvalidOperationException("This reservation was already settled or released.");
        }

        _budget!.Settle(Credits, actualCredits);
    }

    /// <summary>Releases the hold if the reservation was not settled.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _budget!.Settle(Credits, 0);
        }
    }
}
