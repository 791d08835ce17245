using System.Globalization;

namespace AgentCosts;

/// <summary>
/// The tokens of one or more model calls, split as providers report them (Microsoft.Extensions.AI's
/// <c>UsageDetails</c>).
/// </summary>
/// <remarks>
/// Input and output, with cached input (read from the prompt cache) and cache-write input (written to it) parts of
/// input, and reasoning a part of output.
/// </remarks>
public readonly record struct TokenUsage
{
    /// <summary>Creates a usage.</summary>
    /// <param name="inputTokens">Input (prompt) tokens, cached ones included; zero or more.</param>
    /// <param name="outputTokens">Output (completion) tokens, reasoning ones included; zero or more.</param>
    /// <param name="cachedInputTokens">The part of <paramref name="inputTokens"/> read from the provider's prompt cache.</param>
    /// <param name="reasoningTokens">The part of <paramref name="outputTokens"/> spent on reasoning.</param>
    /// <param name="cacheWriteInputTokens">The part of <paramref name="inputTokens"/> written to the provider's prompt cache (billed at its own price).</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A count is negative, cached and cache-write input together exceed input, reasoning exceeds output, or the total
    /// exceeds <see cref="long.MaxValue"/>.
    /// </exception>
    public TokenUsage(long inputTokens, long outputTokens, long cachedInputTokens = 0, long reasoningTokens = 0, long cacheWriteInputTokens = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheWriteInputTokens);
        if (cachedInputTokens >= 0 && cacheWriteInputTokens > inputTokens - Math.Max(0, cachedInputTokens))
        {
            throw new ArgumentOutOfRangeException(
                nameof(cacheWriteInputTokens),
                cacheWriteInputTokens,
                string.Create(CultureInfo.InvariantCulture, $"Cached ({cachedInputTokens}) and cache-write ({cacheWriteInputTokens}) input tokens are parts "
                    + $"of input ({inputTokens}) and together cannot exceed it."));
        }

        CacheWriteInputTokens = cacheWriteInputTokens;
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cachedInputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(reasoningTokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cachedInputTokens, inputTokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reasoningTokens, outputTokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputTokens, long.MaxValue - inputTokens);
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
        CachedInputTokens = cachedInputTokens;
        ReasoningTokens = reasoningTokens;
    }

    /// <summary>No tokens.</summary>
    public static TokenUsage Zero => default;

    /// <summary>Input (prompt) tokens, cached ones included.</summary>
    public long InputTokens { get; }

    /// <summary>Output (completion) tokens, reasoning ones included.</summary>
    public long OutputTokens { get; }

    /// <summary>The part of the input read from the provider's prompt cache.</summary>
    public long CachedInputTokens { get; }

    /// <summary>The part of <see cref="InputTokens"/> written to the prompt cache (Anthropic's <c>cache_creation_input_tokens</c>).</summary>
    public long CacheWriteInputTokens { get; }

    /// <summary>The part of the output spent on reasoning.</summary>
    public long ReasoningTokens { get; }

    /// <summary>Input plus output: what <c>tokens</c> in the <c>agentCosts</c> JSON counts.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>Adds two usages.</summary>
    /// <param name="left">A usage.</param>
    /// <param name="right">Another usage.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static TokenUsage operator +(TokenUsage left, TokenUsage right) => Add(left, right);

    /// <summary>Adds two usages.</summary>
    /// <param name="left">A usage.</param>
    /// <param name="right">Another usage.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static TokenUsage Add(TokenUsage left, TokenUsage right) => new(
        checked(left.InputTokens + right.InputTokens),
        checked(left.OutputTokens + right.OutputTokens),
        checked(left.CachedInputTokens + right.CachedInputTokens),
        checked(left.ReasoningTokens + right.ReasoningTokens),
        checked(left.CacheWriteInputTokens + right.CacheWriteInputTokens));

    /// <summary>Describes the usage.</summary>
    /// <returns>For example <c>in 1000 (cached 400) / out 500 (reasoning 100)</c>.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"in {InputTokens} (cached {CachedInputTokens}, cache write {CacheWriteInputTokens}) / out {OutputTokens} (reasoning {ReasoningTokens})");
}
