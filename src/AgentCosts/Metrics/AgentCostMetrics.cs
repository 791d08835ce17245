using System.Diagnostics.Metrics;

namespace AgentCosts.Metrics;

/// <summary>
/// <see cref="System.Diagnostics.Metrics"/> instruments for agent costs, each measurement tagged
/// <c>gen_ai.agent.name</c>, so any OpenTelemetry exporter sees the numbers the accumulator keeps. Recording checks
/// <see cref="Instrument.Enabled"/> first: with no listener attached it costs a field read.
/// </summary>
public sealed class AgentCostMetrics : IDisposable
{
    /// <summary>The default meter name.</summary>
    public const string DefaultMeterName = "AgentCosts";

    /// <summary>The tag that carries the agent's name (OpenTelemetry GenAI semantic conventions).</summary>
    public const string AgentNameTag = "gen_ai.agent.name";

    /// <summary>Creates the meter and its instruments.</summary>
    /// <param name="meterName">The meter name; <see cref="DefaultMeterName"/> when omitted.</param>
    public AgentCostMetrics(string? meterName = null)
    {
        Meter = new Meter(string.IsNullOrWhiteSpace(meterName) ? DefaultMeterName : meterName);
        Tokens = Meter.CreateCounter<long>("agent.tokens", "{token}", "Tokens used by agents.");
        Credits = Meter.CreateCounter<long>("agent.credits", "{credit}", "Credits charged for agents' work.");
        Duration = Meter.CreateHistogram<double>("agent.step.duration", "ms", "Duration of agents' timed steps.");
    }

    /// <summary>The meter that owns the instruments.</summary>
    public Meter Meter { get; }

    /// <summary>Tokens used, tagged by agent.</summary>
    public Counter<long> Tokens { get; }

    /// <summary>Credits charged, tagged by agent.</summary>
    public Counter<long> Credits { get; }

    /// <summary>Step durations in milliseconds, tagged by agent.</summary>
    public Histogram<double> Duration { get; }

    /// <summary>Disposes the meter.</summary>
    public void Dispose() => Meter.Dispose();
}
