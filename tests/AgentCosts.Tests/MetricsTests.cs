using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using AgentCosts.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace AgentCosts.Tests;

public sealed class MetricsTests
{
    [Fact]
    public void Recording_WithListener_PublishesTaggedMeasurements()
    {
        using var metrics = new AgentCostsMetrics(meterName: "AgentCosts.Tests." + Guid.NewGuid());
        var seen = new List<(string Instrument, double Value, string? Agent)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen.Add((instrument.Name, value, AgentOf(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => seen.Add((instrument.Name, value, AgentOf(tags))));
        listener.Start();
        var time = new FakeTimeProvider();
        var mission = new MissionCostTracker(metrics, time);

        using (var step = mission.Start("seo-analyst"))
        {
            step.AddTokens(1200);
            step.AddCost(ExactCredits.FromCredits(12));
            time.Advance(TimeSpan.FromMilliseconds(40));
        }

        Assert.Contains(("agent.tokens", 1200d, "seo-analyst"), seen);
        Assert.Contains(("agent.credits", 12d, "seo-analyst"), seen);
        Assert.Contains(("agent.step.duration", 0.04, "seo-analyst"), seen);
        Assert.Equal("s", metrics.Duration.Unit);
    }

    [Fact]
    public void RecordUsage_WithListener_SplitsTokensByType()
    {
        using var metrics = new AgentCostsMetrics(meterName: "AgentCosts.Tests." + Guid.NewGuid());
        var seen = new List<(long Value, string? Agent, string? Type)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, metrics.Tokens))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => seen.Add((value, AgentOf(tags), TagOf(tags, AgentCostsMetrics.TokenTypeTag))));
        listener.Start();
        var prices = new PriceTable(new Dictionary<string, ModelPrice> { ["small"] = new(0.15m, 0.6m) });
        var mission = new MissionCostTracker(metrics, prices: prices);

        mission.Agent("seo-analyst").RecordUsage("small", new TokenUsage(inputTokens: 1000, outputTokens: 500), TimeSpan.Zero);

        Assert.Equal([(1000L, "seo-analyst", "input"), (500L, "seo-analyst", "output")], seen);
    }

    [Fact]
    public void AddAgentCosts_WithMeterFactory_CreatesTheMeterThroughIt()
    {
        using var provider = new ServiceCollection().AddMetrics().AddAgentCosts().BuildServiceProvider();

        var metrics = provider.GetRequiredService<AgentCostsMetrics>();

        Assert.Same(provider.GetRequiredService<IMeterFactory>(), metrics.Meter.Scope);
    }

    [Fact]
    public void Recording_WithoutListener_InstrumentsDisabled()
    {
        using var metrics = new AgentCostsMetrics(meterName: "AgentCosts.Tests." + Guid.NewGuid());
        new MissionCostTracker(metrics).Record("a", 1, ExactCredits.FromCredits(1), TimeSpan.FromMilliseconds(1));

        Assert.False(metrics.Tokens.Enabled);
        Assert.False(metrics.Duration.Enabled);
    }

    private static string? AgentOf(ReadOnlySpan<KeyValuePair<string, object?>> tags) => TagOf(tags, AgentCostsMetrics.AgentNameTag);

    private static string? TagOf(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
