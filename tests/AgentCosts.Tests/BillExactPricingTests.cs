using System.Text.Json;

namespace AgentCosts.Tests;

/// <summary>Prices as providers bill them: dated prices, long-context tiers, cache writes, LiteLLM's price file.</summary>
public sealed class BillExactPricingTests
{
    private static readonly DateTimeOffset Change = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static PriceTable LiteLlm(decimal creditsPerUsd = 1000m) =>
        PriceTable.FromLiteLlm(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "litellm-prices.json")), creditsPerUsd);

    [Fact]
    public void FromLiteLlm_ReadsChatPricesExactly_AndSkipsAndCountsTheRest()
    {
        var table = LiteLlm();

        Assert.Equal(["claude-sonnet-4-20250514", "gemini-1.5-pro", "gpt-4o", "openai/gpt-4o-mini"], table.Models.Order(StringComparer.Ordinal));
        Assert.Equal(6, table.SkippedEntries); // embedding, image, negative, text, absurd, no output price
        // 800 uncached × 2.5e-6 + 200 cached × 1.25e-6 + 100 output × 1e-5 = 0.00325 USD = 3.25 credits at 1,000 per USD.
        Assert.Equal(ExactCredits.FromCredits(3.25m), table.GetExactCost("gpt-4o", new TokenUsage(1_000, 100, cachedInputTokens: 200)));
        // 7.5e-8 USD a cached token: 75 nanocredits at one credit per USD, exactly.
        Assert.Equal(new ExactCredits(75), PriceTable.FromLiteLlm(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "litellm-prices.json")), 1m)
            .GetExactCost("openai/gpt-4o-mini", new TokenUsage(1, 0, cachedInputTokens: 1)));
    }

    [Fact]
    public void FromLiteLlm_AnEntryWithAnEmptyModelName_IsSkippedAndCounted()
    {
        const string Json = """
            {
              "": { "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6 },
              "gpt-4o": { "input_cost_per_token": 2.5e-6, "output_cost_per_token": 1e-5 }
            }
            """;

        var table = PriceTable.FromLiteLlm(Json, 1_000m);

        Assert.Equal(["gpt-4o"], table.Models);
        Assert.Equal(1, table.SkippedEntries);
    }

    [Theory]
    [InlineData(200_000, false)]
    [InlineData(200_001, true)]
    public void LongContext_AboveTheThreshold_PricesTheWholeRequestAtTheLongContextRate(long inputTokens, bool longContext)
    {
        var table = LiteLlm();
        var usage = new TokenUsage(inputTokens, 1_000, cachedInputTokens: 10_000, cacheWriteInputTokens: 20_000);

        decimal usd = longContext
            ? ((inputTokens - 30_000) * 6e-06m) + (10_000 * 6e-07m) + (20_000 * 7.5e-06m) + (1_000 * 2.25e-05m)
            : ((inputTokens - 30_000) * 3e-06m) + (10_000 * 3e-07m) + (20_000 * 3.75e-06m) + (1_000 * 1.5e-05m);

        Assert.Equal(ExactCredits.FromCredits(usd * 1000m), table.GetExactCost("claude-sonnet-4-20250514", usage));
    }

    [Fact]
    public void LongContext_128kTier_IsReadFromItsOwnFields()
    {
        var table = LiteLlm();

        Assert.Equal(ExactCredits.FromCredits(128_000 * 1.25e-06m * 1000m), table.GetExactCost("gemini-1.5-pro", new TokenUsage(128_000, 0)));
        Assert.Equal(ExactCredits.FromCredits(128_001 * 2.5e-06m * 1000m), table.GetExactCost("gemini-1.5-pro", new TokenUsage(128_001, 0)));
    }

    [Fact]
    public void CacheWrites_ArePricedAtTheirOwnRate_OrAsInputWhenTheyHaveNone()
    {
        var withRate = new PriceTable(new Dictionary<string, ModelPrice> { ["m"] = new(1m, 2m, 0.1m) { CacheWriteCreditsPer1000Tokens = 1.25m } });
        var withoutRate = new PriceTable(new Dictionary<string, ModelPrice> { ["m"] = new(1m, 2m, 0.1m) });
        var usage = new TokenUsage(1_000, 0, cachedInputTokens: 400, cacheWriteInputTokens: 400);

        // 200 uncached × 1 + 400 cached × 0.1 + 400 written × 1.25, per 1,000 tokens.
        Assert.Equal(ExactCredits.FromCredits(0.74m), withRate.GetExactCost("m", usage));
        Assert.Equal(ExactCredits.FromCredits(0.64m), withoutRate.GetExactCost("m", usage));
    }

    [Fact]
    public void EffectiveFrom_TheNewestPriceThatHadStarted_PricesTheCall_ToTheTick()
    {
        var table = new PriceTable(
        [
            new("m", new ModelPrice(1m, 1m)),
            new("m", new ModelPrice(2m, 2m) { EffectiveFrom = Change }),
            new("m", new ModelPrice(3m, 3m) { EffectiveFrom = Change.AddDays(30) }),
        ]);
        var usage = new TokenUsage(1_000, 0);

        Assert.Equal(ExactCredits.FromCredits(1m), table.GetExactCost("m", usage, Change.AddTicks(-1)));
        Assert.Equal(ExactCredits.FromCredits(2m), table.GetExactCost("m", usage, Change));
        Assert.Equal(ExactCredits.FromCredits(2m), table.GetExactCost("m", usage, Change.AddDays(30).AddTicks(-1)));
        Assert.Equal(ExactCredits.FromCredits(3m), table.GetExactCost("m", usage, Change.AddDays(30)));
    }

    [Fact]
    public void EffectiveFrom_BeforeAModelsFirstPrice_TheModelIsUnknown()
    {
        var table = new PriceTable([new KeyValuePair<string, ModelPrice>("m", new ModelPrice(1m, 1m) { EffectiveFrom = Change })]);

        Assert.Throws<UnknownModelException>(() => table.GetExactCost("m", new TokenUsage(1, 1), Change.AddTicks(-1)));
    }

    [Theory]
    [InlineData("gpt-4o-2024-08-06", 2.5)]
    [InlineData("gpt-4o", 2.5)]
    [InlineData("claude-sonnet-4-20250514", 3)]
    public void DatedModelIds_FallBackToTheirFamilyOnlyWhenTheTableLacksThem(string model, double creditsPer1000Input)
    {
        var table = LiteLlm();

        Assert.True(table.Contains(model));
        Assert.Equal(ExactCredits.FromCredits((decimal)creditsPer1000Input), table.GetExactCost(model, new TokenUsage(1_000, 0)));
    }

    [Theory]
    [InlineData("claude-sonnet-4")]
    [InlineData("gpt-4o-mini")]
    [InlineData("gpt-4o-latest")]
    [InlineData("gpt-4o-2024-08")]
    public void OtherIds_AreNeverMatchedLoosely(string model)
    {
        var table = LiteLlm();

        Assert.False(table.Contains(model));
        Assert.Throws<UnknownModelException>(() => table.GetExactCost(model, new TokenUsage(1, 1)));
    }

    [Fact]
    public void BadPrices_AreRefusedClearly()
    {
        var duplicate = Assert.Throws<ArgumentException>(() => new PriceTable(
            [new("m", new ModelPrice(1m, 1m) { EffectiveFrom = Change }), new("m", new ModelPrice(2m, 2m) { EffectiveFrom = Change })]));
        var thresholdAlone = Assert.Throws<ArgumentException>(() => new PriceTable(
            new Dictionary<string, ModelPrice> { ["m"] = new(1m, 1m) { LongContextThresholdTokens = 200_000 } }));
        var tierAlone = Assert.Throws<ArgumentException>(() => new PriceTable(
            new Dictionary<string, ModelPrice> { ["m"] = new(1m, 1m) { LongContextPrice = new(2m, 2m) } }));
        var negativeWrite = Assert.Throws<ArgumentException>(() => new PriceTable(
            new Dictionary<string, ModelPrice> { ["m"] = new(1m, 1m) { CacheWriteCreditsPer1000Tokens = -1m } }));

        Assert.Contains("two prices effective from 2026-06-01", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("threshold but no LongContextPrice", thresholdAlone.Message, StringComparison.Ordinal);
        Assert.Contains("no LongContextThresholdTokens", tierAlone.Message, StringComparison.Ordinal);
        Assert.Contains("negative", negativeWrite.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_WhosePartsExceedItsInput_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TokenUsage(100, 0, cachedInputTokens: 60, cacheWriteInputTokens: 41));

        Assert.Contains("together cannot exceed it", error.Message, StringComparison.Ordinal);
        Assert.Equal(100, new TokenUsage(100, 0, cachedInputTokens: 60, cacheWriteInputTokens: 40).InputTokens);
        Assert.Equal(7, (new TokenUsage(10, 0, cacheWriteInputTokens: 3) + new TokenUsage(10, 0, cacheWriteInputTokens: 4)).CacheWriteInputTokens);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("{\"gpt-4o\": {\"input_cost_per_token\": 1e-06,}}")]
    public void FromLiteLlm_TextThatIsNotAPriceFile_IsAJsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => PriceTable.FromLiteLlm(json, 1000m));

    [Fact]
    public void FromLiteLlm_APriceFinerThanANanocreditPerToken_IsSkippedAndCounted()
    {
        var table = PriceTable.FromLiteLlm("""{"tiny": {"input_cost_per_token": 1e-13, "output_cost_per_token": 0, "mode": "chat"}}""", 1m);

        Assert.Empty(table.Models);
        Assert.Equal(1, table.SkippedEntries);
        Assert.Throws<ArgumentOutOfRangeException>(() => PriceTable.FromLiteLlm("{}", 0m));
    }
}
