using System.Diagnostics.Metrics;
using AgentCosts.Internal;
using AgentCosts.Metrics;

namespace AgentCosts;

/// <summary>
/// One agent of one mission, resolved once with <see cref="MissionCostTracker.Agent"/>. Recording through it is a few
/// plain additions to the calling thread's own counter cell: no lock, no interlocked instruction, no allocation, no
/// dictionary look-up, and no cache-line traffic between threads recording the same agent. Safe for concurrent use;
/// totals are the sum of the cells.
/// </summary>
public sealed class AgentHandle
{
    private readonly TimeProvider _timeProvider;
    private readonly Counter<long>? _tokensCounter;
    private readonly Counter<long>? _creditsCounter;
    private readonly Histogram<double>? _durationHistogram;
    private readonly KeyValuePair<string, object?> _tag;
    private const long NanosecondsPerMillisecond = 1_000_000;
    private const long NanosecondsPerSecond = 1_000_000_000;
    private readonly long _nanosecondsPerTick;
    /// <summary>Slots beyond this share one interlocked cell, so a host that churns through threads cannot grow every handle without bound.</summary>
    internal const int MaxPrivateCells = 256;

    private readonly object _growGate = new();
    private readonly CounterCell _sharedCell = new(shared: true);
    private CounterCell?[] _cells = new CounterCell?[Math.Max(4, Environment.ProcessorCount)];

    internal AgentHandle(string name, TimeProvider timeProvider, AgentCostMetrics? metrics)
    {
        Name = name;
        _timeProvider = timeProvider;
        _tokensCounter = metrics?.Tokens;
        _creditsCounter = metrics?.Credits;
        _durationHistogram = metrics?.Duration;
        _tag = new KeyValuePair<string, object?>(AgentCostMetrics.AgentNameTag, name);

        // Stopwatch frequencies (1 GHz on Linux, 10 MHz on Windows) divide a second exactly: one multiplication per step.
        long frequency = timeProvider.TimestampFrequency;
        _nanosecondsPerTick = NanosecondsPerSecond % frequency == 0 ? NanosecondsPerSecond / frequency : 0;
    }

    /// <summary>The agent's name.</summary>
    public string Name { get; }

    /// <summary>Adds tokens, credits and milliseconds to this agent.</summary>
    /// <param name="tokens">Tokens used, zero or more.</param>
    /// <param name="cost">Credits charged, zero or more.</param>
    /// <param name="durationMilliseconds">Milliseconds spent, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or a total would overflow; nothing is recorded.</exception>
    public void Record(long tokens, long cost, long durationMilliseconds) =>
        AddStep(tokens, cost, MillisecondsToNanoseconds(durationMilliseconds));

    /// <summary>Adds tokens.</summary>
    /// <param name="tokens">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddTokens(long tokens)
    {
        var cell = CurrentCell();
        cell.Add(ref cell.Tokens, tokens, nameof(tokens));
        if (_tokensCounter is { Enabled: true })
        {
            _tokensCounter.Add(tokens, _tag);
        }
    }

    /// <summary>Adds credits.</summary>
    /// <param name="cost">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddCost(long cost)
    {
        var cell = CurrentCell();
        cell.Add(ref cell.Cost, cost, nameof(cost));
        if (_creditsCounter is { Enabled: true })
        {
            _creditsCounter.Add(cost, _tag);
        }
    }

    /// <summary>Adds milliseconds.</summary>
    /// <param name="durationMilliseconds">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddDuration(long durationMilliseconds) => AddNanoseconds(MillisecondsToNanoseconds(durationMilliseconds));

    /// <summary>Starts timing a step of this agent; disposing the scope adds the elapsed time.</summary>
    /// <returns>The scope; use it with <see langword="using"/>.</returns>
    public TimingScope Start() => new(this, GetTimestamp());

    /// <summary>Starts a lap timer for this agent's sequential loop: one clock read per step (see <see cref="LapTimer"/>).</summary>
    /// <returns>The timer, started now.</returns>
    public LapTimer StartLaps() => new(this, GetTimestamp());

    /// <summary>This agent's totals so far.</summary>
    /// <returns>The totals, durations rounded down to whole milliseconds.</returns>
    /// <exception cref="OverflowException">A total over all threads exceeds <see cref="long.MaxValue"/>.</exception>
    public AgentCost GetTotals()
    {
        long tokens = 0, cost = 0, nanoseconds = 0;
        void Sum(CounterCell cell)
        {
            tokens = checked(tokens + Volatile.Read(ref cell.Tokens));
            cost = checked(cost + Volatile.Read(ref cell.Cost));
            nanoseconds = checked(nanoseconds + Volatile.Read(ref cell.DurationNanoseconds));
        }

        foreach (var cell in Volatile.Read(ref _cells))
        {
            if (cell is not null)
            {
                Sum(cell);
            }
        }

        Sum(_sharedCell);
        return new AgentCost(tokens, cost, nanoseconds / NanosecondsPerMillisecond);
    }

    internal long GetTimestamp() => _timeProvider.GetTimestamp();

    internal void AddElapsedTicks(long ticks) => AddNanoseconds(TicksToNanoseconds(ticks));

    /// <summary>
    /// Adds one step's tokens, credits and time with one look-up of the thread's cell; a negative value or an overflow
    /// records nothing.
    /// </summary>
    internal void AddStep(long tokens, long cost, long nanoseconds)
    {
        CurrentCell().AddStep(tokens, cost, nanoseconds);
        if (_tokensCounter is { Enabled: true })
        {
            _tokensCounter.Add(tokens, _tag);
        }

        if (_creditsCounter is { Enabled: true })
        {
            _creditsCounter.Add(cost, _tag);
        }

        if (_durationHistogram is { Enabled: true })
        {
            _durationHistogram.Record(nanoseconds / 1e6, _tag);
        }
    }

    internal long TicksToNanoseconds(long ticks) => _nanosecondsPerTick > 0
        ? ticks * _nanosecondsPerTick
        : (long)((Int128)ticks * NanosecondsPerSecond / _timeProvider.TimestampFrequency);

    private static long MillisecondsToNanoseconds(long durationMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(durationMilliseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(durationMilliseconds, long.MaxValue / NanosecondsPerMillisecond);
        return durationMilliseconds * NanosecondsPerMillisecond;
    }

    private void AddNanoseconds(long nanoseconds)
    {
        var cell = CurrentCell();
        cell.Add(ref cell.DurationNanoseconds, nanoseconds, "duration");
        if (_durationHistogram is { Enabled: true })
        {
            _durationHistogram.Record(nanoseconds / 1e6, _tag);
        }
    }

    private CounterCell CurrentCell()
    {
        int slot = ThreadSlots.Current;
        var cells = Volatile.Read(ref _cells);
        if ((uint)slot < (uint)cells.Length && cells[slot] is { } cell)
        {
            return cell;
        }

        return CreateCell(slot);
    }

    private CounterCell CreateCell(int slot)
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

    /// <summary>Describes the agent and its totals.</summary>
    /// <returns>For example <c>seo-analyst: 8200 tokens, 82 credits, 1800 ms</c>.</returns>
    public override string ToString() => $"{Name}: {GetTotals()}";
}
