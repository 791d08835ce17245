using AgentCosts;

namespace MissionHost.Missions;

/// <summary>
/// The sample's prices as a provider bills them: the configured price per model (<c>AgentCosts:Prices</c>), plus a price
/// change for <c>small-fast</c> on <see cref="PriceChange"/>, a long-context tier for <c>large-reasoner</c> (a request over
/// 3,000 input tokens is billed entirely at twice the rates) and a cache-write rate for <c>balanced</c>. Missions are
/// priced on a date of their own (<see cref="MissionDate"/>), half before the change and half after.
/// </summary>
internal static class MissionPrices
{
    /// <summary>When <c>small-fast</c> gets dearer.</summary>
    public static readonly DateTimeOffset PriceChange = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);

    public const long LongContextThresholdTokens = 3_000;

    public static PriceTable Create(AgentCostsOptions options)
    {
        var prices = new List<KeyValuePair<string, ModelPrice>>();
        foreach (var (model, price) in options.Prices)
        {
            var billed = new ModelPrice(price.InputCreditsPer1000Tokens, price.OutputCreditsPer1000Tokens)
            {
                CachedInputCreditsPer1000Tokens = price.CachedInputCreditsPer1000Tokens,
                CacheWriteCreditsPer1000Tokens = price.CacheWriteCreditsPer1000Tokens,
            };
            switch (model)
            {
                case "large-reasoner":
                    billed.LongContextThresholdTokens = LongContextThresholdTokens;
                    billed.LongContextPrice = new ModelPrice(price.InputCreditsPer1000Tokens * 2, price.OutputCreditsPer1000Tokens * 2);
                    break;
                case "balanced":
                    billed.CacheWriteCreditsPer1000Tokens ??= price.InputCreditsPer1000Tokens * 1.25m;
                    break;
                case "small-fast":
                    prices.Add(new(model, new ModelPrice(price.InputCreditsPer1000Tokens * 2, price.OutputCreditsPer1000Tokens * 2)
                    {
                        CachedInputCreditsPer1000Tokens = price.CachedInputCreditsPer1000Tokens * 2,
                        EffectiveFrom = PriceChange,
                    }));
                    break;
            }

            prices.Add(new(model, billed));
        }

        return new PriceTable(prices, options.UnknownModelPolicy, options.DefaultPrice, options.Rounding);
    }

    /// <summary>The date mission <paramref name="index"/> of <paramref name="count"/> is priced on: the first half a day apart before the change, the rest after.</summary>
    public static DateTimeOffset MissionDate(int index, int count) => PriceChange.AddDays(index - (count / 2));
}
