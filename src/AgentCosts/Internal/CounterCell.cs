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
        if (amount < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, amount, "Costs cannot be negative.");
        }

        if (_shared)
        {
            if (Interlocked.Add(ref field, amount) < 0)
            {
                Interlocked.Add(ref field, -amount);
                throw Overflow(paramName, amount);
            }

            return;
        }

        long sum = field + amount;
        if (sum < 0)
        {
            throw Overflow(paramName, amount);
        }

        Volatile.Write(ref field, sum);
    }

    private static ArgumentOutOfRangeException Overflow(string paramName, long amount) =>
        new(paramName, amount, "Adding this amount would overflow a 64-bit total.");
}
