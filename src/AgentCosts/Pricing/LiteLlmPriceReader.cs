using System.Globalization;
using System.Text.Json;

namespace AgentCosts;

/// <summary>
/// Reads one entry of LiteLLM's <c>model_prices_and_context_window.json</c> into a <see cref="ModelPrice"/>: US dollars
/// per token converted to credits per 1,000 tokens exactly, as decimals, with the long-context tier where the entry has one.
/// </summary>
internal static class LiteLlmPriceReader
{
    /// <summary>Dearer than any provider bills (1 USD or more per token): an entry above it is taken for an error.</summary>
    private const decimal AbsurdUsdPerToken = 1m;

    /// <summary>One entry's price, with its long-context tier when it has one; <see langword="null"/> for an entry that is not a usable chat price.</summary>
    public static ModelPrice? Read(JsonElement entry, decimal creditsPerUsd)
    {
        if (entry.ValueKind != JsonValueKind.Object
            || (entry.TryGetProperty("mode", out var mode)
                && mode.ValueKind == JsonValueKind.String
                && mode.GetString() is not ("chat" or "completion" or "responses")))
        {
            return null;
        }

        var price = Tier(entry, "", creditsPerUsd);
        if (price is null)
        {
            return null;
        }

        foreach (var (suffix, threshold) in new[] { ("_above_200k_tokens", 200_000L), ("_above_128k_tokens", 128_000L) })
        {
            if (!entry.TryGetProperty("input_cost_per_token" + suffix, out _))
            {
                continue;
            }

            var tier = Tier(entry, suffix, creditsPerUsd);
            if (tier is null)
            {
                return null;
            }

            (price.LongContextThresholdTokens, price.LongContextPrice) = (threshold, tier);
            break;
        }

        return price;
    }

    /// <summary>One LiteLLM price tier (the base one, or the one above a context size), or <see langword="null"/> when it is unusable.</summary>
    private static ModelPrice? Tier(JsonElement entry, string suffix, decimal creditsPerUsd)
    {
        decimal? Credits(string field, bool required)
        {
            if (!entry.TryGetProperty(field, out var value))
            {
                return required ? null : -1m;
            }

            if (value.ValueKind != JsonValueKind.Number
                || !decimal.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out decimal usd)
                || usd < 0 || usd >= AbsurdUsdPerToken)
            {
                return null;
            }

            return usd * 1000m * creditsPerUsd;
        }

        decimal? input = Credits("input_cost_per_token" + suffix, required: true);
        decimal? output = Credits("output_cost_per_token" + suffix, required: true);
        decimal? cacheRead = Credits("cache_read_input_token_cost" + suffix, required: false);
        decimal? cacheWrite = Credits("cache_creation_input_token_cost" + suffix, required: false);
        if (input is null || output is null || cacheRead is null || cacheWrite is null)
        {
            return null;
        }

        return new ModelPrice(input.Value, output.Value)
        {
            CachedInputCreditsPer1000Tokens = cacheRead < 0 ? null : cacheRead,
            CacheWriteCreditsPer1000Tokens = cacheWrite < 0 ? null : cacheWrite,
        };
    }
}
