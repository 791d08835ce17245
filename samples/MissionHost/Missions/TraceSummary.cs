using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;

namespace MissionHost.Missions;

/// <summary>
/// What the console shows of the traces when no OTLP endpoint is set (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>): how many
/// inference spans carried a cost, and the costs they add up to, which must equal the missions' own total.
/// </summary>
internal sealed class TraceSummary : BaseProcessor<Activity>
{
    private long _spans;
    private long _costedSpans;
    private decimal _credits;
    private readonly object _gate = new();

    public override void OnEnd(Activity data)
    {
        Interlocked.Increment(ref _spans);
        if (data.GetTagItem("gen_ai.usage.cost.amount") is double credits)
        {
            lock (_gate)
            {
                _costedSpans++;
                _credits += (decimal)credits;
            }
        }
    }

    public string Describe()
    {
        lock (_gate)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"Traces: {_spans:N0} spans, {_costedSpans:N0} inference spans tagged with gen_ai.usage.cost.amount, adding up to {_credits:N2} credits.");
        }
    }
}
