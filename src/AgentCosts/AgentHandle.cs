using AgentCosts.Internal;
using AgentCosts.Metrics;

namespace AgentCosts;

/// <summary>
/// One agent of one mission, resolved once with <see cref="MissionCostTracker.Agent"/>. Recording through it is a few
/// interlocked additions: no lock, no allocation, no dictionary look-up. Safe for concurrent use.
/// </summary>
public sealed class AgentHandle
{
    private readonly TimeProvider _timeProvider;
    private readonly AgentCostMetrics? _metrics;
    private readonly KeyValuePair<string, object?> _tag;
    private const long NanosecondsPerMillisecond = 1_000_000;
    private const long NanosecondsPerSecond = 1_000_000_000;
    private readonly long _nanosecondsPerTick;
    private AgentCounters _counters;

    internal AgentHandle(string name, TimeProvider timeProvider, AgentCostMetrics? metrics)
    {
        Name = name;
        _timeProvider = timeProvider;
        _metrics = metrics;
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
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or a total would overflow.</exception>
    public void Record(long tokens, long cost, long durationMilliseconds)
    {
        AddTokens(tokens);
        AddCost(cost);
        AddDuration(durationMilliseconds);
    }

    /// <summary>Adds tokens.</summary>
    /// <param name="tokens">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddTokens(long tokens)
    {
        Counter.Add(ref _counters.Tokens, tokens, nameof(tokens));
        if (_metrics is { Tokens.Enabled: true })
        {
            _metrics.Tokens.Add(tokens, _tag);
        }
    }

    /// <summary>Adds credits.</summary>
    /// <param name="cost">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddCost(long cost)
    {
        Counter.Add(ref _counters.Cost, cost, nameof(cost));
        if (_metrics is { Credits.Enabled: true })
        {
            _metrics.Credits.Add(cost, _tag);
        }
    }

    /// <summary>Adds milliseconds.</summary>
    /// <param name="durationMilliseconds">Zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or the total would overflow.</exception>
    public void AddDuration(long durationMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(durationMilliseconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(durationMilliseconds, long.MaxValue / NanosecondsPerMillisecond);
        AddNanoseconds(durationMilliseconds * NanosecondsPerMillisecond);
    }

    /// <summary>Starts timing a step of this agent; disposing the scope adds the elapsed time.</summary>
    /// <returns>The scope; use it with <see langword="using"/>.</returns>
    public TimingScope Start() => new(this, _timeProvider.GetTimestamp());

    /// <summary>This agent's totals so far.</summary>
    /// <returns>The totals, durations rounded down to whole milliseconds.</returns>
    public AgentCost GetTotals() => new(
        Volatile.Read(ref _counters.Tokens),
        Volatile.Read(ref _counters.Cost),
        Volatile.Read(ref _counters.DurationNanoseconds) / NanosecondsPerMillisecond);

    internal long GetTimestamp() => _timeProvider.GetTimestamp();

    internal void AddElapsedTicks(long ticks)
    {
        long nanoseconds = _nanosecondsPerTick > 0
            ? ticks * _nanosecondsPerTick
            : (long)((Int128)ticks * NanosecondsPerSecond / _timeProvider.TimestampFrequency);
        AddNanoseconds(nanoseconds);
    }

    private void AddNanoseconds(long nanoseconds)
    {
        Counter.Add(ref _counters.DurationNanoseconds, nanoseconds, "duration");
        if (_metrics is { Duration.Enabled: true })
        {
            _metrics.Duration.Record(nanoseconds / 1e6, _tag);
        }
    }

    /// <summary>Describes the agent and its totals.</summary>
    /// <returns>For example <c>seo-analyst: 8200 tokens, 82 credits, 1800 ms</c>.</returns>
    public override string ToString() => $"{Name}: {GetTotals()}";
}
