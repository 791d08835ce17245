namespace AgentCosts.Budgets;

/// <summary>
/// A mission's credit budget. Work reserves credits before it runs and settles the real amount after; reservations are
/// atomic, so concurrent agents can never commit more than <see cref="Limit"/> between them.
/// </summary>
public sealed class MissionBudget
{
    // Spent plus outstanding reservations: the only number a reservation has to check.
    private long _committed;
    private long _spent;

    /// <summary>Creates a budget.</summary>
    /// <param name="limit">Credits available to the mission, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is negative.</exception>
    public MissionBudget(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Limit = limit;
    }

    /// <summary>Credits available to the mission.</summary>
    public long Limit { get; }

    /// <summary>Credits settled so far.</summary>
    public long Spent => Volatile.Read(ref _spent);

    /// <summary>Credits held by reservations not yet settled.</summary>
    public long Reserved => Volatile.Read(ref _committed) - Volatile.Read(ref _spent);

    /// <summary>Credits that can still be reserved (never negative).</summary>
    public long Remaining => Math.Max(0, Limit - Volatile.Read(ref _committed));

    /// <summary>Tries to reserve credits for a piece of work.</summary>
    /// <param name="credits">Credits to hold, zero or more.</param>
    /// <param name="reservation">The reservation when granted; settle or dispose it.</param>
    /// <returns><see langword="false"/> when the budget cannot cover it (nothing is held then).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="credits"/> is negative.</exception>
    public bool TryReserve(long credits, out BudgetReservation reservation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(credits);
        long committed = Volatile.Read(ref _committed);
        while (true)
        {
            if (credits > Limit - committed)
            {
                reservation = BudgetReservation.None;
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _committed, committed + credits, committed);
            if (seen == committed)
            {
                reservation = new BudgetReservation(this, credits);
                return true;
            }

            committed = seen;
        }
    }

    /// <summary>Reserves credits or throws.</summary>
    /// <param name="credits">Credits to hold, zero or more.</param>
    /// <returns>The reservation; settle or dispose it.</returns>
    /// <exception cref="BudgetExceededException">The budget cannot cover it.</exception>
    public BudgetReservation Reserve(long credits) =>
        TryReserve(credits, out var reservation) ? reservation : throw new BudgetExceededException(Limit, credits, Remaining);

    internal void Settle(long reserved, long actual)
    {
        // The work has happened: its real cost is recorded even when it exceeds what was reserved.
        Interlocked.Add(ref _spent, actual);
        Interlocked.Add(ref _committed, actual - reserved);
    }

    /// <summary>Describes the budget.</summary>
    /// <returns>Limit, spent and reserved credits.</returns>
    public override string ToString() => $"Budget {Limit} credits: {Spent} spent, {Reserved} reserved, {Remaining} remaining";
}
