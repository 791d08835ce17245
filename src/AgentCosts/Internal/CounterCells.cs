namespace AgentCosts.Internal;

/// <summary>
/// Totals striped over thread slots: each thread adds to its own <see cref="CounterCell"/> with plain writes (no lock,
/// no interlocked instruction, no cache-line traffic between threads); readers sum the cells.
/// </summary>
/// <remarks>
/// Threads beyond <see cref="MaxPrivateCells"/> share one interlocked cell, so a host that churns through threads
/// cannot grow the set without bound.
/// </remarks>
internal sealed class CounterCells
{
    /// <summary>Slots beyond this share one interlocked cell.</summary>
    public const int MaxPrivateCells = 256;

    private readonly object _growGate = new();
    private readonly CounterCell _sharedCell = new(shared: true);
    private CounterCell?[] _cells = new CounterCell?[Math.Max(4, Environment.ProcessorCount)];

    /// <summary>The calling thread's cell.</summary>
    public CounterCell Current() => For(ThreadSlots.Current);

    /// <summary>The cell of the calling thread's slot, <paramref name="slot"/> (<see cref="ThreadSlots.Current"/>, read once for several cells).</summary>
    public CounterCell For(int slot)
    {
        var cells = Volatile.Read(ref _cells);
        if ((uint)slot < (uint)cells.Length && cells[slot] is { } cell)
        {
            return cell;
        }

        return Create(slot);
    }

    /// <summary>The sum of every cell, read field by field while recording may go on.</summary>
    /// <exception cref="OverflowException">A total exceeds <see cref="long.MaxValue"/>.</exception>
    public CellTotals Sum()
    {
        var totals = default(CellTotals);
        foreach (var cell in Volatile.Read(ref _cells))
        {
            if (cell is not null)
            {
                totals.Add(cell);
            }
        }

        totals.Add(_sharedCell);
        return totals;
    }

    private CounterCell Create(int slot)
    {
        if (slot >= MaxPrivateCells)
        {
            return _sharedCell;
        }

        lock (_growGate)
        {
            var cells = _cells;
            if (slot >= cells.Length)
            {
                Array.Resize(ref cells, Math.Min(MaxPrivateCells, Math.Max(slot + 1, cells.Length * 2)));
            }

            var cell = cells[slot] ??= new CounterCell(shared: false);
            Volatile.Write(ref _cells, cells);
            return cell;
        }
    }
}
