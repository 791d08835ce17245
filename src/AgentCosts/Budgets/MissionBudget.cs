namespace AgentCosts;

/// <summary>
/// A mission's credit budget, exact to the nanocredit. Work reserves credits before it runs; reservations are atomic, so
/// concurrent agents can never hold more than <see cref="Limit"/> between them. Given to a
/// <see cref="MissionCostTracker"/>, the budget is that tracker's one ledger: every cost recorded through the tracker is
/// spent here as it is recorded, and a reservation is then released (disposed) once the work's cost is recorded.
/// </summary>
public sealed class MissionBudget
{
    // Spent plus outstanding reservations: the only number a reservation has to check.
    private long _committed;
    private long _spent;
    private readonly long _limit;
    private int _owned;

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
    }

    /// <summary>Credits available to the mission.</summary>
    public ExactCredits Limit => new(_limit);

    /// <summary>Credits spent so far: settled reservations and, when a tracker owns the budget, every recorded cost.</summary>
    public ExactCredits Spent => new(Volatile.Read(ref _spent));

    /// <summary>Credits held by reservations not yet settled or released.</summary>
    public ExactCredits Reserved => new(Math.Max(0, Volatile.Read(ref _committed) - Volatile.Read(ref _spent)));

    /// <summary>Credits that can still be reserved (never negative).</summary>
    public ExactCredits Remaining => new(Math.Max(0, _limit - Volatile.Read(ref _committed)));

    /// <summary>Whether recorded spending has gone past the limit (work that ran without a reservation, or cost more than it reserved).</summary>
    public bool IsExceeded => Volatile.Read(ref _spent) > _limit;

    /// <summary>Whether a tracker records into this budget (then reservations are released, not settled).</summary>
    internal bool IsOwned => Volatile.Read(ref _owned) != 0;

    /// <summary>Tries to reserve whole credits for a piece of work.</summary>
    /// <param name="credits">Credits to hold, zero or more.</param>
    /// <param name="reservation">The reservation when granted; settle or dispose it.</param>
    /// <returns><see langword="false"/> when the budget cannot cover it (nothing is held then).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="credits"/> is negative.</exception>
    public bool TryReserve(long credits, out BudgetReservation reservation) =>
        TryReserve(ExactCredits.FromCredits(credits), out reservation);

    /// <summary>Tries to reserve an exact amount for a piece of work.</summary>
    /// <param name="credits">The amount to hold.</param>
    /// <param name="reservation">The reservation when granted; settle or dispose it.</param>
    /// <returns><see langword="false"/> when the budget cannot cover it (nothing is held then).</returns>
    public bool TryReserve(ExactCredits credits, out BudgetReservation reservation)
    {
        long amount = credits.Nanocredits <= _limit ? (long)credits.Nanocredits : long.MaxValue;
        long committed = Volatile.Read(ref _committed);
        while (true)
        {
            if (amount > _limit - committed)
            {
                reservation = BudgetReservation.None;
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _committed, committed + amount, committed);
            if (seen == committed)
            {
                reservation = new BudgetReservation(this, amount);
                return true;
            }

            committed = seen;
        }
    }

    /// <summary>Reserves whole credits or throws.</summary>
    /// <param name="credits">Credits to hold, zero or more.</param>
    /// <returns>The reservation; settle or dispose it.</returns>
    /// <exception cref="BudgetExceededException">The budget cannot cover it.</exception>
    public BudgetReservation Reserve(long credits) => Reserve(ExactCredits.FromCredits(credits));

    /// <summary>Reserves an exact amount or throws.</summary>
    /// <param name="credits">The amount to hold.</param>
    /// <returns>The reservation; settle or dispose it.</returns>
    /// <exception cref="BudgetExceededException">The budget cannot cover it.</exception>
    public BudgetReservation Reserve(ExactCredits credits) =>
        TryReserve(credits, out var reservation) ? reservation : throw new BudgetExceededException(Limit, credits, Remaining);

    /// <summary>Makes a tracker the one that records into this budget.</summary>
    internal void Attach()
    {
        if (Interlocked.Exchange(ref _owned, 1) != 0)
        {
            throw new InvalidOperationException("This budget already belongs to another mission tracker.");
        }
    }

    internal bool Charge(long nanocredits)
    {
        // The work has happened: its cost counts even past the limit. Spent first, so a concurrent reservation never
        // sees less committed than was really spent.
        long spent = Interlocked.Add(ref _spent, nanocredits);
        Interlocked.Add(ref _committed, nanocredits);
        return spent > _limit && spent - nanocredits <= _limit;
    }

    /// <summary>Settles a reservation: spends the actual cost, then releases the hold.</summary>
    internal void Settle(long reserved, long actual)
    {
        Interlocked.Add(ref _spent, actual);
        Interlocked.Add(ref _committed, actual - reserved);
    }

    /// <summary>Releases a hold without spending.</summary>
    internal void Release(long reserved) => Interlocked.Add(ref _committed, -reserved);

    /// <summary>Describes the budget.</summary>
    /// <returns>Limit, spent and reserved credits.</returns>
    public override string ToString() => $"Budget {Limit}: {Spent} spent, {Reserved} reserved, {Remaining} remaining";
}
