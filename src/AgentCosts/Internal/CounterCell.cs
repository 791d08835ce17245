using System.Runtime.InteropServices;

namespace AgentCosts.Internal;

/// <summary>
/// One thread slot's share of an agent's totals. Only the thread holding the slot writes a private cell, so additions
/// are plain reads and writes; readers sum the cells. The shared cell (for threads beyond the slot limit) uses
/// interlocked additions instead. Fields sit on their own cache line, away from neighbouring cells.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
internal sealed class CounterCell(bool shared)
{
    [FieldOffset(64)]
    public long Tokens;

    [FieldOffset(72)]
    public long Cost;

    [FieldOffset(80)]
    public long DurationNanoseconds;

    [FieldOffset(88)]
    private readonly bool _shared = shared;

    // Keeps the next object off this cell's cache line.
#pragma warning disable CS0169, IDE0051
    [FieldOffset(144)]
    private readonly long _padding;
#pragma warning restore CS0169, IDE0051

    /// <summary>Adds to one field of this cell, refusing negative amounts and overflow (the field is then unchanged).</summary>
    public void Add(ref long field, long amount, string paramName)
    {
        if (!_shared)
        {
            Volatile.Write(ref field, Checked(field, amount, paramName));
        }
        else if (!TryAddShared(ref field, NotNegative(amount, paramName)))
        {
            throw Overflow(paramName, amount);
        }
    }

    /// <summary>Adds a whole step, or nothing when any of the three totals would overflow.</summary>
    public void AddStep(long tokens, long cost, long nanoseconds)
    {
        if (!_shared)
        {
            long newTokens = Checked(Tokens, tokens, nameof(tokens));
            long newCost = Checked(Cost, cost, nameof(cost));
            long newNanoseconds = Checked(DurationNanoseconds, nanoseconds, "duration");
            Volatile.Write(ref Tokens, newTokens);
            Volatile.Write(ref Cost, newCost);
            Volatile.Write(ref DurationNanoseconds, newNanoseconds);
            return;
        }

        NotNegative(tokens, nameof(tokens));
        NotNegative(cost, nameof(cost));
        NotNegative(nanoseconds, "duration");

        // Interlocked additions cannot be checked before they happen: undo the earlier ones when a later one overflows.
        if (!TryAddShared(ref Tokens, tokens))
        {
            throw Overflow(nameof(tokens), tokens);
        }

        if (!TryAddShared(ref Cost, cost))
        {
            Interlocked.Add(ref Tokens, -tokens);
            throw Overflow(nameof(cost), cost);
        }

        if (!TryAddShared(ref DurationNanoseconds, nanoseconds))
        {
            Interlocked.Add(ref Tokens, -tokens);
            Interlocked.Add(ref Cost, -cost);
            throw Overflow("duration", nanoseconds);
        }
    }

    private static bool TryAddShared(ref long field, long amount)
    {
        if (Interlocked.Add(ref field, amount) >= 0)
        {
            return true;
        }

        Interlocked.Add(ref field, -amount);
        return false;
    }

    private static long NotNegative(long amount, string paramName) =>
        amount >= 0 ? amount : throw new ArgumentOutOfRangeException(paramName, amount, "Costs cannot be negative.");

    private static long Checked(long total, long amount, string paramName)
    {
        long sum = total + NotNegative(amount, paramName);
        return sum >= 0 ? sum : throw Overflow(paramName, amount);
    }

    private static ArgumentOutOfRangeException Overflow(string paramName, long amount) =>
        new(paramName, amount, "Adding this amount would overflow a 64-bit total.");
}
