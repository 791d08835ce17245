using System.ComponentModel.DataAnnotations;
using AgentCosts.Metrics;

namespace AgentCosts.Extensions.AI;

/// <summary>Options of <see cref="AgentCostsChatClient"/>.</summary>
public sealed class AgentCostsChatClientOptions
{
    /// <summary>The default of <see cref="DefaultMaxOutputTokens"/>.</summary>
    public const int DefaultMaxOutputTokensValue = 4096;

    /// <summary>
    /// Prices of the models this client calls. When <see langword="null"/>, the mission tracker's own
    /// <see cref="MissionCostTracker.Prices"/> are used; a call with neither is refused before it is made.
    /// </summary>
    public PriceTable? Prices { get; set; }

    /// <summary>A fixed agent for every call through this client; when <see langword="null"/>, the ambient <see cref="AgentCostScope"/> names it.</summary>
    public string? AgentName { get; set; }

    /// <summary>A fixed mission for every call through this client; when <see langword="null"/>, the ambient <see cref="AgentCostScope"/> gives it.</summary>
    public MissionCostTracker? Mission { get; set; }

    /// <summary>The model to price a call with when the response names none (and to estimate a budget reservation with).</summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// Output tokens assumed for the budget estimate when <c>ChatOptions.MaxOutputTokens</c> is not set. Default 4,096.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int DefaultMaxOutputTokens { get; set; } = DefaultMaxOutputTokensValue;

    /// <summary>Estimates a request's input tokens for its budget reservation.</summary>
    /// <remarks>
    /// When <see langword="null"/>, each client keeps a <see cref="CalibratedInputTokenEstimator"/> (characters × a
    /// ratio learned per model from the responses); <c>AgentCosts.Tokenizers</c> counts with the model family's real
    /// tokenizer instead.
    /// </remarks>
    public IInputTokenEstimator? InputTokenEstimator { get; set; }

    /// <summary>Names the agent when neither <see cref="AgentName"/> nor a scope does.</summary>
    /// <remarks>
    /// For example <c>() =&gt; AIAgent.CurrentRunContext?.Agent.Name</c> with the Microsoft Agent Framework, so an
    /// agent's own name is used without naming it twice.
    /// </remarks>
    public Func<string?>? AgentNameResolver { get; set; }

    /// <summary>Whether a call that fails or is cancelled still records its elapsed time (with no tokens). Default <see langword="true"/>.</summary>
    public bool RecordFailedCalls { get; set; } = true;

    /// <summary>
    /// Instruments for calls that have no mission (counted, never an exception); a mission's calls use the mission
    /// tracker's own instruments. Set from DI when registered there.
    /// </summary>
    public AgentCostsMetrics? Metrics { get; set; }

    /// <summary>The clock that times calls; <see cref="TimeProvider.System"/> by default.</summary>
    [Required]
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Where the client says that a successful call's model has no price (a warning with the model and agent); nowhere
    /// when <see langword="null"/>.
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; set; }

    /// <summary>
    /// The <c>UsageDetails.AdditionalCounts</c> keys whose counts are prompt-cache writes (a part of input, priced at
    /// the model's cache-write rate).
    /// </summary>
    /// <remarks>
    /// By default the key the Anthropic SDK's <c>IChatClient</c> fills, <c>CacheCreationInputTokens</c>; OpenAI's
    /// adapter reports no cache writes (OpenAI bills none).
    /// </remarks>
    public IList<string> CacheWriteInputTokenKeys { get; } = [DefaultCacheWriteInputTokenKey];

    /// <summary>The key Anthropic's adapter uses for cache-write input tokens.</summary>
    public const string DefaultCacheWriteInputTokenKey = "CacheCreationInputTokens";

    /// <summary>A copy, so changes to these options after the client was made do not reach it.</summary>
    internal AgentCostsChatClientOptions Clone()
    {
        var copy = (AgentCostsChatClientOptions)MemberwiseClone();
        copy._cacheWriteKeys = [.. CacheWriteInputTokenKeys];
        return copy;
    }

    private string[]? _cacheWriteKeys;

    /// <summary>The cache-write keys as they were when the client was made.</summary>
    internal string[] CacheWriteKeys => _cacheWriteKeys ?? [.. CacheWriteInputTokenKeys];
}
