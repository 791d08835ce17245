using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI;

/// <summary>Usage summed from a response or from a stream's usage contents, without allocating.</summary>
internal struct UsageTotals
{
    private long _input, _output, _cached, _reasoning, _cacheWrite;

    public bool Seen { get; private set; }

    public void Add(UsageDetails details, string[] cacheWriteKeys)
    {
        if (details.AdditionalCounts is { Count: > 0 } counts)
        {
            foreach (string key in cacheWriteKeys)
            {
                _cacheWrite += counts.TryGetValue(key, out long written) ? written : 0;
            }
        }

        Seen = true;
        long input = details.InputTokenCount ?? 0;
        long output = details.OutputTokenCount ?? 0;
        if (details.InputTokenCount is null && details.OutputTokenCount is null && details.TotalTokenCount is { } total)
        {
            // A total with no split: counted (never dropped) as output, the dearer side, rather than invented apart.
            output = total;
        }

        _input += input;
        _output += output;
        _cached += details.CachedInputTokenCount ?? 0;
        _reasoning += details.ReasoningTokenCount ?? 0;
    }

    // Providers count cached input and cache writes within input and reasoning within output; a report that does not is clamped.
    public readonly TokenUsage ToUsage()
    {
        long input = Math.Max(0, _input);
        long output = Math.Max(0, _output);
        long cached = Math.Clamp(_cached, 0, input);
        return new(input, output, cached, Math.Clamp(_reasoning, 0, output), Math.Clamp(_cacheWrite, 0, input - cached));
    }
}
