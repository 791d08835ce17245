using System.Diagnostics.CodeAnalysis;

namespace AgentCosts.Pricing;

/// <summary>
/// Turns token counts into credits from per-model prices, exactly: each token costs a whole number of billionths of a
/// credit, sums are exact, and rounding to whole credits happens once per <see cref="GetCost"/> (or once at the end, when
/// you add <see cref="GetExactCost"/> results yourself).
/// </summary>
public sealed class PriceTable
{
    private const decimal NanocreditsPerTokenPerCreditPer1000 = ExactCredits.NanocreditsPerCredit / 1000m;
    private readonly Dictionary<string, (long Input, long Output)> _prices;
    private readonly (long Input, long Output)? _default;

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
        _prices = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
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
    public ExactCredits GetExactCost(string model, long inputTokens, long outputTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        var price = Resolve(model);
        return new ExactCredits(((Int128)inputTokens * price.Input) + ((Int128)outputTokens * price.Output));
    }

    /// <summary>The cost of a model call in whole credits, rounded once with <see cref="Rounding"/>.</summary>
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

    private (long Input, long Output) Resolve(string model) =>
        _prices.TryGetValue(model, out var price) ? price
        : _default ?? throw new UnknownModelException(model);

    private static (long Input, long Output) ToNanocredits(ModelPrice price, string model)
    {
        ArgumentNullException.ThrowIfNull(price, model);
        return (PerToken(price.InputCreditsPer1000Tokens, model), PerToken(price.OutputCreditsPer1000Tokens, model));
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
