using System.Diagnostics.CodeAnalysis;

namespace AgentCosts;

/// <summary>
/// Turns token counts into credits from per-model prices, exactly: each token costs a whole number of billionths of a
/// credit and sums are exact. Record <see cref="GetExactCost(string, long, long)"/> amounts (a tracker rounds once, when a
/// snapshot is taken); <see cref="GetCost"/> rounds one call on its own, which under-bills or over-bills when summed.
/// </summary>
public sealed class PriceTable
{
    private const decimal NanocreditsPerTokenPerCreditPer1000 = ExactCredits.NanocreditsPerCredit / 1000m;
    private readonly Dictionary<string, (long Input, long Output, long CachedInput)> _prices;
    private readonly (long Input, long Output, long CachedInput)? _default;

    /// <summary>Creates a price table.</summary>
    /// <param name="prices">Prices by model id (ordinal).</param>
    /// <param name="unknownModelPolicy">What to do with a model that has no price.</param>
    /// <param name="defaultPrice">The price for unknown models; required with <see cref="UnknownModelPolicy.ChargeDefault"/>.</param>
    /// <param name="rounding">How <see cref="GetCost"/> rounds.</param>
    /// <exception cref="ArgumentException">A price is negative or has more than six decimal places, or a required default is missing.</exception>
    public PriceTable(
        IReadOnlyDictionary<string, ModelPrice> prices,
        UnknownModelPolicy unknownModelPolicy = UnknownModelPolicy.Throw,
        ModelPrice? defaultPrice = null,
        CreditRounding rounding = CreditRounding.HalfUp)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _prices = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        foreach (var (model, price) in prices)
        {
            ArgumentException.ThrowIfNullOrEmpty(model, nameof(prices));
            _prices.Add(model, ToNanocredits(price, model));
        }

        if (unknownModelPolicy == UnknownModelPolicy.ChargeDefault)
        {
            _default = ToNanocredits(defaultPrice ?? throw new ArgumentException("UnknownModelPolicy.ChargeDefault needs a default price.", nameof(defaultPrice)), "default");
        }

        UnknownModelPolicy = unknownModelPolicy;
        Rounding = rounding;
    }

    /// <summary>What happens with a model that has no price.</summary>
    public UnknownModelPolicy UnknownModelPolicy { get; }

    /// <summary>How <see cref="GetCost"/> rounds.</summary>
    public CreditRounding Rounding { get; }

    /// <summary>The models that have a price.</summary>
    public IEnumerable<string> Models => _prices.Keys;

    /// <summary>The exact cost of a model call.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="inputTokens">Input (prompt) tokens, zero or more.</param>
    /// <param name="outputTokens">Output (completion) tokens, zero or more.</param>
    /// <returns>The exact amount, not rounded.</returns>
    /// <exception cref="UnknownModelException">The model has no price and the policy is <see cref="UnknownModelPolicy.Throw"/>.</exception>
    public ExactCredits GetExactCost(string model, long inputTokens, long outputTokens) =>
        GetExactCost(model, new TokenUsage(inputTokens, outputTokens));

    /// <summary>
    /// The exact cost of a model call from its usage: uncached input at the input price, cached input at the cached price
    /// (the input price when the model has none), output (reasoning included) at the output price.
    /// </summary>
    /// <param name="model">The model id.</param>
    /// <param name="usage">The call's tokens.</param>
    /// <returns>The exact amount, not rounded.</returns>
    /// <exception cref="UnknownModelException">The model has no price and the policy is <see cref="UnknownModelPolicy.Throw"/>.</exception>
    public ExactCredits GetExactCost(string model, TokenUsage usage)
    {
        ArgumentNullException.ThrowIfNull(model);
        var price = Resolve(model);
        return new ExactCredits(
            ((Int128)(usage.InputTokens - usage.CachedInputTokens) * price.Input)
            + ((Int128)usage.CachedInputTokens * price.CachedInput)
            + ((Int128)usage.OutputTokens * price.Output));
    }

    /// <summary>
    /// The cost of one model call in whole credits, rounded with <see cref="Rounding"/>. Do not add these up: 1,000 calls of
    /// 0.45 credits each round to 0 each; record <see cref="GetExactCost(string, long, long)"/> instead.
    /// </summary>
    /// <param name="model">The model id.</param>
    /// <param name="inputTokens">Input (prompt) tokens, zero or more.</param>
    /// <param name="outputTokens">Output (completion) tokens, zero or more.</param>
    /// <returns>Whole credits.</returns>
    /// <exception cref="UnknownModelException">The model has no price and the policy is <see cref="UnknownModelPolicy.Throw"/>.</exception>
    public long GetCost(string model, long inputTokens, long outputTokens) =>
        GetExactCost(model, inputTokens, outputTokens).Round(Rounding);

    /// <summary>Whether a model has its own price.</summary>
    /// <param name="model">The model id.</param>
    /// <returns><see langword="true"/> when the table lists it.</returns>
    public bool Contains([NotNullWhen(true)] string? model) => model is not null && _prices.ContainsKey(model);

    private (long Input, long Output, long CachedInput) Resolve(string model) =>
        _prices.TryGetValue(model, out var price) ? price
        : _default ?? throw new UnknownModelException(model);

    private static (long Input, long Output, long CachedInput) ToNanocredits(ModelPrice price, string model)
    {
        ArgumentNullException.ThrowIfNull(price, model);
        long input = PerToken(price.InputCreditsPer1000Tokens, model);
        long cachedInput = price.CachedInputCreditsPer1000Tokens is { } cached ? PerToken(cached, model) : input;
        return (input, PerToken(price.OutputCreditsPer1000Tokens, model), cachedInput);
    }

    private static long PerToken(decimal creditsPer1000, string model)
    {
        if (creditsPer1000 < 0)
        {
            throw new ArgumentException($"The price of '{model}' is negative.", nameof(creditsPer1000));
        }

        decimal perToken = creditsPer1000 * NanocreditsPerTokenPerCreditPer1000;
        if (perToken != decimal.Truncate(perToken) || perToken > long.MaxValue)
        {
            throw new ArgumentException($"The price of '{model}' ({creditsPer1000}) has more than six decimal places or is too large.", nameof(creditsPer1000));
        }

        return (long)perToken;
    }
}
