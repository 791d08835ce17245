using System.Diagnostics.Metrics;
using AgentCosts.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace AgentCosts.Tests;

public sealed class MetricsTests
{
    [Fact]
    public void Recording_WithListener_PublishesTaggedMeasurements()
    {
        using var metrics = new AgentCostMetrics("AgentCosts.Tests." + Guid.NewGuid());
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
            step.AddCost(12);
            time.Advance(TimeSpan.FromMilliseconds(40));
        }

        Assert.Contains(("agent.tokens", 1200d, "seo-analyst"), seen);
        Assert.Contains(("agent.credits", 12d, "seo-analyst"), seen);
        Assert.Contains(("agent.step.duration", 40d, "seo-analyst"), seen);
    }

    [Fact]
    public void Recording_WithoutListener_InstrumentsDisabled()
    {
        using var metrics = new AgentCostMetrics("AgentCosts.Tests." + Guid.NewGuid());
        new MissionCostTracker(metrics).Record("a", 1, 1, 1);

        Assert.False(metrics.Tokens.Enabled);
        Assert.False(metrics.Duration.Enabled);
    }

    private static string? AgentOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == AgentCostMetrics.AgentNameTag)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
