using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;

namespace AgentCosts.Benchmarks;

/// <summary>
/// One record of tokens, credits and milliseconds for one agent: our ways against what a user would write. Costs are one
/// credit or less per record: a run makes billions of records into one agent, and an agent's exact total holds at most
/// about 9.2 billion credits (a 64-bit count of nanocredits).
/// </summary>
[MemoryDiagnoser]
public class RecordBenchmarks
{
    // Built once: the hot path records an ExactCredits and a TimeSpan as they are, with no conversion per call.
    private static readonly ExactCredits OneCredit = ExactCredits.FromCredits(1);
    private static readonly TimeSpan StepTime = TimeSpan.FromMilliseconds(40);

    private const string Agent = "seo-analyst";
    private readonly MissionCostTracker _mission = new();
    private readonly ConcurrentDictionary<string, (long Tokens, long Cost, long Duration)> _concurrent = new();
    private readonly Dictionary<string, (long Tokens, long Cost, long Duration)> _locked = [];
    private readonly object _gate = new();
    private readonly Meter _meter = new("AgentCosts.Benchmarks.Alternative");
    private Counter<long> _tokens = null!;
    private Counter<long> _credits = null!;
    private Histogram<long> _duration = null!;
    private MeterListener _listener = null!;
    private AgentHandle _handle = null!;
    private LapTimer _laps = null!;
    private long _listened;
    private const string Model = "small";
    private static readonly ExactCredits ExactCost = ExactCredits.FromCredits(0.45m);
    private static readonly TokenUsage Usage = new(1000, 500, 200);
    private static readonly PriceTable Prices = new(new Dictionary<string, ModelPrice> { [Model] = new(0.15m, 0.6m, 0.075m) });
    private readonly AgentHandle _pricedHandle = new MissionCostTracker(prices: Prices).Agent(Agent);

    [GlobalSetup]
    public void Setup()
    {
        _handle = _mission.Agent(Agent);
        _laps = _handle.StartLaps();
        _tokens = _meter.CreateCounter<long>("tokens");
        _credits = _meter.CreateCounter<long>("credits");
        _duration = _meter.CreateHistogram<long>("duration");
        _listener = new MeterListener { InstrumentPublished = (instrument, l) => { if (instrument.Meter == _meter) { l.EnableMeasurementEvents(instrument); } } };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => _listened += value);
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        _meter.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void ConcurrentDictionaryAddOrUpdate() =>
        _concurrent.AddOrUpdate(Agent, static _ => (1200, 12, 40), static (_, t) => (t.Tokens + 1200, t.Cost + 12, t.Duration + 40));

    [Benchmark]
    public void LockedDictionary()
    {
        lock (_gate)
        {
            _locked[Agent] = _locked.TryGetValue(Agent, out var t) ? (t.Tokens + 1200, t.Cost + 12, t.Duration + 40) : (1200, 12, 40);
        }
    }

    [Benchmark]
    public void CounterWithAgentTagAndListener()
    {
        var tag = new KeyValuePair<string, object?>("gen_ai.agent.name", Agent);
        _tokens.Add(1200, tag);
        _credits.Add(12, tag);
        _duration.Record(40, tag);
    }

    [Benchmark]
    public long ClockRead() => System.Diagnostics.Stopwatch.GetTimestamp();

    [Benchmark]
    public long TimeProviderClockRead() => TimeProvider.System.GetTimestamp();

    [Benchmark]
    public void RecordByName() => _mission.Record(Agent, 1200, OneCredit, StepTime);

    [Benchmark]
    public void RecordByHandle() => _handle.Record(1200, OneCredit, StepTime);

    [Benchmark]
    public void TimingScopeWithTokensAndCost()
    {
        using var step = _handle.Start();
        step.AddTokens(1200);
        step.AddCost(OneCredit);
    }

    [Benchmark]
    public void LapWithTokensAndCost() => _laps.Lap(1200, OneCredit);

    [Benchmark]
    public void RecordByHandleExact() => _handle.Record(1200, ExactCost, StepTime);

    [Benchmark]
    public void TimingScopeWithTokensAndExactCost()
    {
        using var step = _handle.Start();
        step.AddTokens(1200);
        step.AddCost(ExactCost);
    }

    [Benchmark]
    public void LapWithTokensAndExactCost() => _laps.Lap(1200, ExactCost);

    [Benchmark]
    public void RecordUsagePriced() => _pricedHandle.RecordUsage(Model, Usage, Prices.GetExactCost(Model, Usage), StepTime);
}
