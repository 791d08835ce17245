using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;

namespace AgentCosts.Metrics;

/// <summary>
/// <see cref="System.Diagnostics.Metrics"/> instruments for agent costs, in the units of OpenTelemetry's GenAI
/// conventions.
/// </summary>
/// <remarks>
/// Each measurement is tagged <c>gen_ai.agent.name</c> (and tokens by <c>gen_ai.token.type</c> when the split is
/// known), so any OpenTelemetry exporter sees the numbers the accumulator keeps. Recording checks <see
/// cref="Instrument.Enabled"/> first: with no listener attached it costs a field read.
/// </remarks>
public sealed class AgentCostsMetrics : IDisposable
{
    /// <summary>The default meter name.</summary>
    public const string DefaultMeterName = Internal.AgentCostsDefaults.MeterName;

    /// <summary>The tag that carries the agent's name (OpenTelemetry GenAI semantic conventions).</summary>
    public const string AgentNameTag = "gen_ai.agent.name";

    /// <summary>The tag that says whether tokens are <c>input</c> or <c>output</c> (OpenTelemetry GenAI semantic conventions).</summary>
    public const string TokenTypeTag = "gen_ai.token.type";

    /// <summary>The tag that carries the model of a priced call (OpenTelemetry GenAI semantic conventions).</summary>
    public const string ModelTag = "gen_ai.request.model";

    /// <summary>The provider tag on model calls' measurements (<c>gen_ai.provider.name</c>, OpenTelemetry's GenAI convention).</summary>
    public const string ProviderTag = "gen_ai.provider.name";

    private const double NanocreditsPerCredit = ExactCredits.NanocreditsPerCredit;
    private static readonly KeyValuePair<string, object?> InputTag = new(TokenTypeTag, "input");
    private static readonly KeyValuePair<string, object?> OutputTag = new(TokenTypeTag, "output");
    private readonly bool _ownsMeter;

    /// <summary>Creates the instruments on a meter of the host's <see cref="IMeterFactory"/>, or on a meter of its own.</summary>
    /// <param name="meterFactory">The host's meter factory, which then owns the meter (the DI way); null for a meter this object owns and disposes.</param>
    /// <param name="meterName">The meter name; <see cref="DefaultMeterName"/> when null.</param>
    public AgentCostsMetrics(IMeterFactory? meterFactory = null, string? meterName = null)
        : this(
            meterFactory is null ? new Meter(string.IsNullOrWhiteSpace(meterName) ? DefaultMeterName : meterName) : CreateMeter(meterFactory, meterName),
            ownsMeter: meterFactory is null)
    {
    }

    private AgentCostsMetrics(Meter meter, bool ownsMeter)
    {
        Meter = meter;
        _ownsMeter = ownsMeter;
        Tokens = Meter.CreateCounter<long>("agent.tokens", "{token}", "Tokens used by agents; tagged gen_ai.token.type (input or output) when the split is "
            + "known.");
        Credits = Meter.CreateCounter<double>("agent.credits", "{credit}", "Credits charged for agents' work (exact amounts, not rounded).");
        Duration = Meter.CreateHistogram<double>("agent.step.duration", "s", "Duration of agents' timed steps and model calls.");
        BudgetExceeded = Meter.CreateCounter<long>("agent.budget.exceeded", "{mission}", "Missions whose recorded spending went past their budget.");
        BudgetOvershoot = Meter.CreateCounter<double>("agent.budget.overshoot", "{credit}", "Credits that work cost beyond what it had reserved from "
            + "its budget: how far the estimates fell short.");
        UsageMissing = Meter.CreateCounter<long>("agent.usage.missing", "{call}", "Model calls whose response reported no token usage.");
        Untracked = Meter.CreateCounter<long>("agent.calls.untracked", "{call}", "Model calls made with no mission to record them in.");
        Unpriced = Meter.CreateCounter<long>("agent.calls.unpriced", "{call}", "Model calls that succeeded with a model the price table lacks: charged at "
            + "their reserved estimate (or nothing).");
    }

    /// <summary>The meter that owns the instruments.</summary>
    public Meter Meter { get; }

    /// <summary>Tokens used, tagged by agent (and by token type when known).</summary>
    public Counter<long> Tokens { get; }

    /// <summary>Credits charged, tagged by agent.</summary>
    public Counter<double> Credits { get; }

    /// <summary>Step and call durations in seconds, tagged by agent.</summary>
    public Histogram<double> Duration { get; }

    /// <summary>Incremented once when a mission's recorded spending first goes past its budget.</summary>
    public Counter<long> BudgetExceeded { get; }

    /// <summary><c>agent.budget.overshoot</c>: credits that work cost beyond its reservation, tagged by agent.</summary>
    public Counter<double> BudgetOvershoot { get; }

    /// <summary>Model calls recorded whose response had no usage (recorded with zero tokens, never invented ones).</summary>
    public Counter<long> UsageMissing { get; }

    /// <summary>Model calls that had no mission to record them in (they pass through untouched).</summary>
    public Counter<long> Untracked { get; }

    /// <summary><c>agent.calls.unpriced</c>: successful model calls whose model has no price, tagged with the agent and model.</summary>
    public Counter<long> Unpriced { get; }

    /// <summary>Publishes a step: its tokens, cost and time, tagged with the agent. The package records measurements only here.</summary>
    internal void Step(in KeyValuePair<string, object?> agent, long tokens, long nanocredits, long nanoseconds)
    {
        TokensAdded(agent, tokens);
        CostAdded(agent, nanocredits);
        TimeAdded(agent, nanoseconds);
    }

    /// <summary>Publishes tokens added on their own.</summary>
    internal void TokensAdded(in KeyValuePair<string, object?> agent, long tokens)
    {
        if (Tokens.Enabled)
        {
            Tokens.Add(tokens, agent);
        }
    }

    /// <summary>Publishes a cost added on its own.</summary>
    internal void CostAdded(in KeyValuePair<string, object?> agent, long nanocredits)
    {
        if (Credits.Enabled)
        {
            Credits.Add(nanocredits / NanocreditsPerCredit, agent);
        }
    }

    /// <summary>Publishes time added on its own.</summary>
    internal void TimeAdded(in KeyValuePair<string, object?> agent, long nanoseconds)
    {
        if (Duration.Enabled)
        {
            Duration.Record(nanoseconds / 1e9, agent);
        }
    }

    /// <summary>Publishes a model call: input and output tokens apart, its cost and time, tagged with the agent, provider and model where known.</summary>
    internal void Usage(in KeyValuePair<string, object?> agent, string? model, string? providerName, TokenUsage usage, long nanocredits, long nanoseconds)
    {
        if (!Tokens.Enabled && !Credits.Enabled && !Duration.Enabled)
        {
            return;
        }

        var tags = new TagList { agent };
        if (providerName is not null)
        {
            tags.Add(ProviderTag, providerName);
        }

        if (model is not null)
        {
            tags.Add(ModelTag, model);
        }

        if (Tokens.Enabled)
        {
            var input = tags;
            input.Add(InputTag);
            var output = tags;
            output.Add(OutputTag);
            Tokens.Add(usage.InputTokens, input);
            Tokens.Add(usage.OutputTokens, output);
        }

        if (Credits.Enabled)
        {
            Credits.Add(nanocredits / NanocreditsPerCredit, tags);
        }

        if (Duration.Enabled)
        {
            Duration.Record(nanoseconds / 1e9, tags);
        }
    }

    /// <summary>Publishes that a mission's spending went past its budget, tagged with the agent whose cost crossed it.</summary>
    internal void BudgetCrossed(in KeyValuePair<string, object?> agent)
    {
        if (BudgetExceeded.Enabled)
        {
            BudgetExceeded.Add(1, agent);
        }
    }

    /// <summary>Disposes the meter if this instance created it (a factory's meters are the factory's to dispose).</summary>
    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private static Meter CreateMeter(IMeterFactory meterFactory, string? meterName)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        return meterFactory.Create(new MeterOptions(string.IsNullOrWhiteSpace(meterName) ? DefaultMeterName : meterName));
    }
}
