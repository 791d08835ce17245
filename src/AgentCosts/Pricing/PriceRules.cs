namespace AgentCosts;

/// <summary>
/// The one copy of what makes a <see cref="ModelPrice"/> valid: <see cref="PriceTable"/> refuses the first problem, and
/// <see cref="AgentCostsOptions"/>' validation lists them all.
/// </summary>
internal static class PriceRules
{
    /// <summary>Nanocredits per token for one credit per 1,000 tokens: a valid rate times this is a whole number.</summary>
    public const decimal NanocreditsPerTokenPerCreditPer1000 = ExactCredits.NanocreditsPerCredit / 1000m;

    /// <summary>Every problem of a price, each naming <paramref name="path"/> (a model id or an options path).</summary>
    public static IEnumerable<string> Problems(string path, ModelPrice? price)
    {
        if (price is null)
        {
            yield return $"The price of '{path}' is null.";
            yield break;
        }

        foreach (string problem in RateProblems(path, price))
        {
            yield return problem;
        }

        if (price.LongContextThresholdTokens.HasValue != (price.LongContextPrice is not null))
        {
            yield return price.LongContextPrice is null
                ? $"The price of '{path}' has a long-context threshold but no LongContextPrice."
                : $"The price of '{path}' has a LongContextPrice but no LongContextThresholdTokens.";
        }

        if (price.LongContextThresholdTokens is <= 0)
        {
            yield return $"The long-context threshold of '{path}' must be positive.";
        }

        if (price.LongContextPrice is { } longPrice)
        {
            if (longPrice.LongContextPrice is not null || longPrice.EffectiveFrom is not null)
            {
                yield return $"The long-context price of '{path}' has a tier or a date of its own; it takes its price's.";
            }

            foreach (string problem in RateProblems(path, longPrice))
            {
                yield return problem;
            }
        }
    }

    /// <summary>A rate in nanocredits per token; the price was checked by <see cref="Problems"/>.</summary>
    public static long PerToken(decimal creditsPer1000) => (long)(creditsPer1000 * NanocreditsPerTokenPerCreditPer1000);

    private static IEnumerable<string> RateProblems(string path, ModelPrice price)
    {
        var sides = new (string Name, decimal? Value)[]
        {
            (nameof(ModelPrice.InputCreditsPer1000Tokens), price.InputCreditsPer1000Tokens),
            (nameof(ModelPrice.OutputCreditsPer1000Tokens), price.OutputCreditsPer1000Tokens),
            (nameof(ModelPrice.CachedInputCreditsPer1000Tokens), price.CachedInputCreditsPer1000Tokens),
            (nameof(ModelPrice.CacheWriteCreditsPer1000Tokens), price.CacheWriteCreditsPer1000Tokens),
        };
        foreach (var (name, value) in sides)
        {
            if (value is not { } rate)
            {
                continue;
            }

            decimal perToken = rate * NanocreditsPerTokenPerCreditPer1000;
            if (rate < 0)
            {
                yield return $"The price of '{path}' is negative ({name} is {rate}).";
            }
            else if (perToken != decimal.Truncate(perToken) || perToken > long.MaxValue)
            {
                yield return $"The price of '{path}' has more than six decimal places or is too large ({name} is {rate}).";
            }
        }
    }
}
