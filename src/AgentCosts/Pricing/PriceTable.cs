using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentCosts.Internal;

namespace AgentCosts;

/// <summary>Prices per model as providers bill them, in exact integer nanocredits per token (no float drift).</summary>
/// <remarks>
/// Input, output, cached input and cache writes; prices dated by <see cref="ModelPrice.EffectiveFrom"/> (a call is
/// priced by the newest price that had started when it began); a long-context tier that prices a whole request above
/// its threshold. A dated model id (<c>gpt-4o-2024-08-06</c>, <c>claude-sonnet-4-20250514</c>) falls back to its family
/// (<c>gpt-4o</c>) only when the table has no entry for the dated id itself; there is no other matching. Unknown models
/// follow <see cref="UnknownModelPolicy"/>. Immutable and safe for concurrent use.
/// </remarks>
public sealed partial class PriceTable
{

    private readonly Dictionary<string, Tier[]> _prices;
    private readonly Rate? _default;
    private Found? _lastFound;

    /// <summary>Creates a table of prices by model: a dictionary, or pairs that give a model several dated prices.</summary>
    /// <param name="prices">
    /// Model id and price pairs (a dictionary is one); a model may appear once per <see cref="ModelPrice.EffectiveFrom"/>.
    /// Matching is ordinal.
    /// </param>
    /// <param name="unknownModelPolicy">What to do with a model the table lacks.</param>
    /// <param name="defaultPrice">The price for unknown models under <see cref="UnknownModelPolicy.ChargeDefault"/>.</param>
    /// <param name="rounding">How <see cref="GetCost"/> rounds to whole credits.</param>
    /// <exception cref="ArgumentException">
    /// A price is negative, has more than six decimal places, shares its model and effective date with another, or has a
    /// long-context threshold without a long-context price (or the other way round).
    /// </exception>
    public PriceTable(
        IEnumerable<KeyValuePair<string, ModelPrice>> prices,
        UnknownModelPolicy unknownModelPolicy = AgentCostsDefaults.UnknownModelPolicy,
        ModelPrice? defaultPrice = null,
        CreditRounding rounding = AgentCostsDefaults.Rounding)
    {
        ArgumentNullException.ThrowIfNull(prices);
        var byModel = new Dictionary<string, List<Tier>>(StringComparer.Ordinal);
        foreach (var (model, price) in prices)
        {
            ArgumentException.ThrowIfNullOrEmpty(model, nameof(prices));
            var tier = ToTier(price, model);
            if (!byModel.TryGetValue(model, out var tiers))
            {
                byModel[model] = tiers = [];
            }

            if (tiers.Any(t => t.From == tier.From))
            {
                throw new ArgumentException(
                    $"'{model}' has two prices effective from "
                        + $"{(price.EffectiveFrom is { } from ? from.ToString("O", CultureInfo.InvariantCulture) : "always")}; each date may have one.",
                    nameof(prices));
            }

            tiers.Add(tier);
        }

        _prices = byModel.ToDictionary(p => p.Key, p => p.Value.OrderBy(t => t.From).ToArray(), StringComparer.Ordinal);
        HasDatedPrices = _prices.Values.Any(tiers => tiers.Any(t => t.From != DateTimeOffset.MinValue));
        if (unknownModelPolicy == UnknownModelPolicy.ChargeDefault)
        {
            ThrowIfInvalid(defaultPrice ?? throw new ArgumentException("UnknownModelPolicy.ChargeDefault needs a default price.", nameof(defaultPrice)),
                "default",
                nameof(defaultPrice));
            _default = ToRate(defaultPrice);
        }

        UnknownModelPolicy = unknownModelPolicy;
        Rounding = rounding;
    }

    /// <summary>What happens to a model the table lacks.</summary>
    public UnknownModelPolicy UnknownModelPolicy { get; }

    /// <summary>How <see cref="GetCost"/> rounds.</summary>
    public CreditRounding Rounding { get; }

    /// <summary>
    /// Whether any price has an <see cref="ModelPrice.EffectiveFrom"/>: when none has, the time a call is priced at does not
    /// matter, and callers may skip reading the clock.
    /// </summary>
    public bool HasDatedPrices { get; }

    /// <summary>The model ids with a price.</summary>
    public IEnumerable<string> Models => _prices.Keys;

    /// <summary>Entries of the source (a LiteLLM file) that were left out: no chat prices, or prices that are negative, not numbers or absurd.</summary>
    public int SkippedEntries { get; private init; }

    /// <summary>The exact cost of a call with no cached or reasoning tokens, at the price in effect now.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    /// <returns>The exact cost.</returns>
    /// <exception cref="UnknownModelException">The model has no price and the policy is <see cref="UnknownModelPolicy.Throw"/>.</exception>
    public ExactCredits GetExactCost(string model, long inputTokens, long outputTokens) =>
        GetExactCost(model, new TokenUsage(inputTokens, outputTokens));

    /// <summary>The exact cost of a call at the price in effect now, by the system clock (pass the time to price by another clock).</summary>
    /// <param name="model">The model id.</param>
    /// <param name="usage">The call's tokens.</param>
    /// <returns>The exact cost.</returns>
    /// <exception cref="UnknownModelException">The model has no price and the policy is <see cref="UnknownModelPolicy.Throw"/>.</exception>
    public ExactCredits GetExactCost(string model, TokenUsage usage) => GetExactCost(model, usage, TimeProvider.System.GetUtcNow());

    /// <summary>The exact cost of a call that began at <paramref name="at"/>.</summary>
    /// <param name="model">The model id (a dated id falls back to its family when the table lacks it).</param>
    /// <param name="usage">The call's tokens.</param>
    /// <param name="at">When the call began.</param>
    /// <returns>The exact cost.</returns>
    /// <exception cref="UnknownModelException">
    /// The model has no price in effect at <paramref name="at"/> and the policy is <see cref="UnknownModelPolicy.Throw"/>.
    /// </exception>
    /// <remarks>
    /// Priced by the newest price whose <see cref="ModelPrice.EffectiveFrom"/> is at or before it, and entirely at its
    /// long-context price when the input exceeds that price's threshold. Uncached input, cached input, cache writes and
    /// output each at their own rate.
    /// </remarks>
    public ExactCredits GetExactCost(string model, TokenUsage usage, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Cost(Resolve(model, usage.InputTokens, at), usage);
    }

    private static ExactCredits Cost(in Rate rate, in TokenUsage usage)
    {
        long uncached = usage.InputTokens - usage.CachedInputTokens - usage.CacheWriteInputTokens;

        // Counts and rates under 2³¹ (any real call and price): four products under 2⁶² each add up exactly in 64 bits
        // unsigned, so the 128-bit arithmetic below is needed only for larger values. The result is the same.
        if ((ulong)(uncached | usage.CachedInputTokens | usage.CacheWriteInputTokens | usage.OutputTokens) <= int.MaxValue
            && (ulong)(rate.Input | rate.CachedInput | rate.CacheWrite | rate.Output) <= int.MaxValue)
        {
            return new ExactCredits(
                ((ulong)uncached * (ulong)rate.Input)
                + ((ulong)usage.CachedInputTokens * (ulong)rate.CachedInput)
                + ((ulong)usage.CacheWriteInputTokens * (ulong)rate.CacheWrite)
                + ((ulong)usage.OutputTokens * (ulong)rate.Output));
        }

        return new ExactCredits(
            ((Int128)uncached * rate.Input)
            + ((Int128)usage.CachedInputTokens * rate.CachedInput)
            + ((Int128)usage.CacheWriteInputTokens * rate.CacheWrite)
            + ((Int128)usage.OutputTokens * rate.Output));
    }

    private static Tier? TierAt(Tier[] tiers, DateTimeOffset at)
    {
        for (int i = tiers.Length - 1; i >= 0; i--)
        {
            if (tiers[i].From <= at)
            {
                return tiers[i];
            }
        }

        return null;
    }

    /// <summary>
    /// The exact cost of a call, when the table prices <paramref name="model"/> (by its id or its family) at <paramref
    /// name="at"/>; the unknown-model policy is not applied.
    /// </summary>
    /// <param name="model">The model id, or <see langword="null"/>.</param>
    /// <param name="usage">The call's tokens.</param>
    /// <param name="at">When the call began.</param>
    /// <param name="cost">The exact cost, when the model has a price then.</param>
    /// <returns><see langword="true"/> when the model has a price at <paramref name="at"/>.</returns>
    /// <remarks>
    /// One look-up: what a caller trying several candidate models uses.
    /// </remarks>
    public bool TryGetExactCost([NotNullWhen(true)] string? model, TokenUsage usage, DateTimeOffset at, out ExactCredits cost)
    {
        if (model is not null && Find(model) is { } tiers && TierAt(tiers, at) is { } tier)
        {
            cost = Cost(tier.LongContextThreshold is { } threshold && usage.InputTokens > threshold ? tier.LongContext!.Value : tier.Rate, usage);
            return true;
        }

        cost = default;
        return false;
    }

    /// <summary>The cost in whole credits, rounded once by <see cref="Rounding"/>.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    /// <returns>Credits.</returns>
    public long GetCost(string model, long inputTokens, long outputTokens) =>
        GetExactCost(model, inputTokens, outputTokens).Round(Rounding);

    /// <summary>Whether the table prices a model, by its own id or (for a dated id) by its family.</summary>
    /// <param name="model">The model id.</param>
    /// <returns><see langword="true"/> when the model has a price.</returns>
    public bool Contains([NotNullWhen(true)] string? model) => model is not null && Find(model) is not null;

    /// <summary>Reads LiteLLM's <c>model_prices_and_context_window.json</c>.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="creditsPerUsd">How many credits one US dollar buys (choose it so prices are whole nanocredits per token).</param>
    /// <param name="unknownModelPolicy">What to do with a model the file lacks.</param>
    /// <returns>The table.</returns>
    /// <exception cref="JsonException">The text is not a JSON object of model entries.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="creditsPerUsd"/> is not positive.</exception>
    /// <remarks>
    /// For each chat model, <c>input_cost_per_token</c>, <c>output_cost_per_token</c>,
    /// <c>cache_read_input_token_cost</c>, <c>cache_creation_input_token_cost</c> and their <c>*_above_200k_tokens</c>
    /// or <c>*_above_128k_tokens</c> variants (a long-context tier), in US dollars per token, converted exactly as
    /// decimals (never through <see cref="double"/>). Model ids are read as written, provider prefixes included
    /// (<c>openai/gpt-4o</c>). Entries without a model name or chat prices (embeddings, images, <c>sample_spec</c>),
    /// and entries whose prices are negative, not numbers, absurd or finer than a nanocredit per token, are skipped and
    /// counted in <see cref="SkippedEntries"/>; other fields are ignored.
    /// </remarks>
    public static PriceTable FromLiteLlm(string json, decimal creditsPerUsd, UnknownModelPolicy unknownModelPolicy = AgentCostsDefaults.UnknownModelPolicy)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(creditsPerUsd);
        if (unknownModelPolicy == UnknownModelPolicy.ChargeDefault)
        {
            throw new ArgumentException("A LiteLLM table has no default price: use Throw or Free, or build a PriceTable with a default "
                + "price.", nameof(unknownModelPolicy));
        }

        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A LiteLLM price file is a JSON object of model entries.");
        }

        var prices = new List<KeyValuePair<string, ModelPrice>>();
        int skipped = 0;
        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Name == "sample_spec")
            {
                continue;
            }

            // An entry without a model name cannot be priced or looked up: skipped and counted like any other bad entry.
            if (entry.Name.Length > 0 && LiteLlmPriceReader.Read(entry.Value, creditsPerUsd) is { } price && IsRepresentable(price))
            {
                prices.Add(new(entry.Name, price));
            }
            else
            {
                skipped++;
            }
        }

        return new PriceTable(prices, unknownModelPolicy) { SkippedEntries = skipped };
    }

    private static bool IsRepresentable(ModelPrice price)
    {
        try
        {
            _ = ToTier(price, "model");
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private Rate Resolve(string model, long inputTokens, DateTimeOffset at)
    {
        if (Find(model) is { } tiers && TierAt(tiers, at) is { } tier)
        {
            return tier.LongContextThreshold is { } threshold && inputTokens > threshold ? tier.LongContext!.Value : tier.Rate;
        }

        return _default ?? throw new UnknownModelException(model);
    }

    /// <summary>The model's prices by its id, else (for an id ending in a date) by its family's.</summary>
    private Tier[]? Find(string model)
    {
        // Calls of one model usually repeat its id: the last one found is kept at hand. Responses that each bring their own
        // copy of the id (read from JSON) match it by value, without a hash or a new entry.
        if (Volatile.Read(ref _lastFound) is { } last && (ReferenceEquals(last.Model, model) || string.Equals(last.Model, model, StringComparison.Ordinal)))
        {
            return last.Tiers;
        }

        var tiers = _prices.TryGetValue(model, out var own) ? own
            : DatedModelId().Match(model) is { Success: true } dated && _prices.TryGetValue(dated.Groups["family"].Value, out var family) ? family
            : null;
        if (tiers is not null)
        {
            Volatile.Write(ref _lastFound, new Found(model, tiers));
        }

        return tiers;
    }

    private sealed record Found(string Model, Tier[] Tiers);

    /// <summary>A model id that ends in a release date: <c>-2024-08-06</c> (OpenAI) or <c>-20250514</c> (Anthropic).</summary>
    [GeneratedRegex(@"^(?<family>.+)-(?:\d{4}-\d{2}-\d{2}|\d{8})$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex DatedModelId();

    private static Tier ToTier(ModelPrice price, string model)
    {
        ThrowIfInvalid(price, model, nameof(price));
        return new Tier(
            price.EffectiveFrom ?? DateTimeOffset.MinValue,
            ToRate(price),
            price.LongContextThresholdTokens,
            price.LongContextPrice is { } tier ? ToRate(tier) : null);
    }

    private static void ThrowIfInvalid(ModelPrice price, string model, string paramName)
    {
        ArgumentNullException.ThrowIfNull(price, model);
        if (PriceRules.Problems(model, price).FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem, paramName);
        }
    }

    private static Rate ToRate(ModelPrice price)
    {
        long input = PriceRules.PerToken(price.InputCreditsPer1000Tokens);
        return new Rate(
            input,
            PriceRules.PerToken(price.OutputCreditsPer1000Tokens),
            price.CachedInputCreditsPer1000Tokens is { } cached ? PriceRules.PerToken(cached) : input,
            price.CacheWriteCreditsPer1000Tokens is { } write ? PriceRules.PerToken(write) : input);
    }

    /// <summary>Nanocredits per token of each kind.</summary>
    private readonly record struct Rate(long Input, long Output, long CachedInput, long CacheWrite);

    /// <summary>A price from its effective date on, with its long-context tier.</summary>
    private sealed record Tier(DateTimeOffset From, Rate Rate, long? LongContextThreshold, Rate? LongContext);
}
