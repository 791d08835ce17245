namespace AgentCosts;

/// <summary>
/// A model's price in credits per 1,000 tokens, input and output apart. Prices may have up to six decimal places
/// (0.000001 credits per 1,000 tokens); all arithmetic on them is exact integer arithmetic.
/// </summary>
public sealed class ModelPrice
{
    /// <summary>Creates an empty (free) price, for configuration binding.</summary>
    public ModelPrice()
    {
    }

    /// <summary>Creates a price.</summary>
    /// <param name="inputCreditsPer1000Tokens">Credits per 1,000 input (prompt) tokens.</param>
    /// <param name="outputCreditsPer1000Tokens">Credits per 1,000 output (completion) tokens.</param>
    public ModelPrice(decimal inputCreditsPer1000Tokens, decimal outputCreditsPer1000Tokens)
    {
        InputCreditsPer1000Tokens = inputCreditsPer1000Tokens;
        OutputCreditsPer1000Tokens = outputCreditsPer1000Tokens;
    }

    /// <summary>Credits per 1,000 input (prompt) tokens; zero or more, at most six decimal places.</summary>
    public decimal InputCreditsPer1000Tokens { get; set; }

    /// <summary>Creates a price with a separate price for cached input tokens.</summary>
    /// <param name="inputCreditsPer1000Tokens">Credits per 1,000 input (prompt) tokens not read from a cache.</param>
    /// <param name="outputCreditsPer1000Tokens">Credits per 1,000 output (completion) tokens.</param>
    /// <param name="cachedInputCreditsPer1000Tokens">Credits per 1,000 input tokens read from the provider's prompt cache.</param>
    public ModelPrice(decimal inputCreditsPer1000Tokens, decimal outputCreditsPer1000Tokens, decimal cachedInputCreditsPer1000Tokens)
        : this(inputCreditsPer1000Tokens, outputCreditsPer1000Tokens)
    {
        CachedInputCreditsPer1000Tokens = cachedInputCreditsPer1000Tokens;
    }

    /// <summary>Credits per 1,000 output (completion) tokens; zero or more, at most six decimal places.</summary>
    public decimal OutputCreditsPer1000Tokens { get; set; }

    /// <summary>
    /// Credits per 1,000 cached input tokens; zero or more, at most six decimal places. <see langword="null"/> (the
    /// default) charges cached input at <see cref="InputCreditsPer1000Tokens"/>.
    /// </summary>
    public decimal? CachedInputCreditsPer1000Tokens { get; set; }

    /// <summary>
    /// Credits per 1,000 input tokens written to the prompt cache (about 1.25× input at Anthropic); when
    /// <see langword="null"/>, cache writes are priced as input.
    /// </summary>
    public decimal? CacheWriteCreditsPer1000Tokens { get; set; }

    /// <summary>
    /// When this price starts to apply; <see langword="null"/>: it has always applied. A table may hold several prices
    /// of one model with different dates: each call is priced by the newest one that had started when the call began.
    /// </summary>
    public DateTimeOffset? EffectiveFrom { get; set; }

    /// <summary>
    /// The input size above which a request is billed entirely at <see cref="LongContextPrice"/> (for example 200,000,
    /// LiteLLM's <c>*_above_200k_tokens</c>); <see langword="null"/>: no long-context tier.
    /// </summary>
    public long? LongContextThresholdTokens { get; set; }

    /// <summary>The price of a whole request whose input tokens exceed <see cref="LongContextThresholdTokens"/>.</summary>
    public ModelPrice? LongContextPrice { get; set; }

    /// <summary>Describes the price.</summary>
    /// <returns>For example <c>in 0.15 / out 0.6 credits per 1k tokens</c>.</returns>
    public override string ToString() => CachedInputCreditsPer1000Tokens is { } cached
        ? $"in {InputCreditsPer1000Tokens} (cached {cached}) / out {OutputCreditsPer1000Tokens} credits per 1k tokens"
        : $"in {InputCreditsPer1000Tokens} / out {OutputCreditsPer1000Tokens} credits per 1k tokens";
}
