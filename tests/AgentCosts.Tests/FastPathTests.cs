using System.Numerics;
using AgentCosts.Internal;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AgentCosts.Tests;

/// <summary>
/// The per-call paths take shortcuts (64-bit pricing for ordinary counts and rates, one sign test for a whole usage
/// record, the last model kept at hand); each must give exactly what the long way gives, and fail as it fails.
/// </summary>
public sealed class FastPathTests
{
    /// <summary>Counts and rates on both sides of 2³¹, where pricing switches between 64-bit and 128-bit arithmetic.</summary>
    private static readonly Gen<long> AroundTwoToThe31 = Gen.OneOf(
        Gen.Choose(0, int.MaxValue).Select(n => (long)n),
        Gen.Elements(0L, 1L, int.MaxValue - 1L, int.MaxValue, int.MaxValue + 1L),
        from high in Gen.Choose(1, 1 << 9)
        from low in Gen.Choose(0, int.MaxValue)
        select ((long)high << 31) | (uint)low);

    [Property(MaxTest = 500)]
    public Property GetExactCost_AnyCountsAndRates_IsTheExactSumOfTokensTimesRates() =>
        Prop.ForAll(
            (from input in AroundTwoToThe31
             from cachedShare in Gen.Choose(0, 100)
             from writeShare in Gen.Choose(0, 100)
             from output in AroundTwoToThe31
             from rates in AroundTwoToThe31.ArrayOf(4)
             select (input, cachedShare, writeShare, output, rates)).ToArbitrary(),
            sample =>
            {
                var (input, cachedShare, writeShare, output, rates) = sample;
                long cached = (long)((Int128)input * cachedShare / 100);
                long written = (long)((Int128)(input - cached) * writeShare / 100);
                var usage = new TokenUsage(input, output, cached, cacheWriteInputTokens: written);

                // A rate of r nanocredits per token is r / 10⁶ credits per 1,000 tokens.
                var price = new ModelPrice(rates[0] / 1_000_000m, rates[1] / 1_000_000m, rates[2] / 1_000_000m)
                {
                    CacheWriteCreditsPer1000Tokens = rates[3] / 1_000_000m,
                };
                var table = new PriceTable(new Dictionary<string, ModelPrice> { ["m"] = price });

                var expected = ((BigInteger)(input - cached - written) * rates[0]) + ((BigInteger)output * rates[1])
                    + ((BigInteger)cached * rates[2]) + ((BigInteger)written * rates[3]);
                var cost = table.GetExactCost("m", usage);
                return ((BigInteger)cost.Nanocredits == expected).Label($"{usage} at {string.Join('/', rates)}: {cost.Nanocredits}, expected {expected}");
            });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CounterCell_UsageThatWouldOverflowAnyTotal_NamesItAndLeavesEveryTotalUnchanged(bool shared)
    {
        string[] names = ["tokens", "cost", "duration", "inputTokens", "outputTokens", "cachedInputTokens", "reasoningTokens", "cacheWriteInputTokens", "calls"];
        var usage = new TokenUsage(100, 50, cachedInputTokens: 20, reasoningTokens: 10, cacheWriteInputTokens: 30);
        for (int full = 0; full < names.Length; full++)
        {
            var cell = new CounterCell(shared);
            cell.AddUsage(usage, 7, 9);
            ref long field = ref Field(cell, full);
            field = long.MaxValue;
            var before = Totals(cell);

            var error = Assert.Throws<ArgumentOutOfRangeException>(() => cell.AddUsage(usage, 7, 9));

            Assert.Equal(names[full], error.ParamName);
            Assert.Equal(before, Totals(cell));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CounterCell_NegativeCostOrDuration_NamesItAndRecordsNothing(bool shared)
    {
        var cell = new CounterCell(shared);
        var usage = new TokenUsage(100, 50);
        cell.AddUsage(usage, 7, 9);
        var before = Totals(cell);

        Assert.Equal("cost", Assert.Throws<ArgumentOutOfRangeException>(() => cell.AddUsage(usage, -1, 9)).ParamName);
        Assert.Equal("duration", Assert.Throws<ArgumentOutOfRangeException>(() => cell.AddUsage(usage, 7, long.MinValue)).ParamName);
        Assert.Equal(before, Totals(cell));

        cell.AddUsage(usage, 7, 9);
        Assert.Equal([300, 14, 18, 200, 100, 0, 0, 0, 2], Totals(cell));
    }

    [Fact]
    public void RecordUsage_ModelIdsAsSeparateStrings_PriceAndTotalAsOneModelEach()
    {
        var prices = new PriceTable(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new(2.5m, 10m), ["gpt-4o-mini"] = new(0.15m, 0.6m) });
        var mission = new MissionCostTracker(prices: prices);
        var agent = mission.Agent("a");
        var usage = new TokenUsage(1000, 1000);

        // Each response brings its own copy of the id, as a client reading JSON does; the ids alternate.
        foreach (string model in new[] { "gpt-4o", "gpt-4o-mini", "gpt-4o", "gpt-4o", "gpt-4o-mini" })
        {
            string copy = new(model.AsSpan());
            agent.RecordUsage(copy, usage, prices.GetExactCost(copy, usage), TimeSpan.FromMilliseconds(1));
        }

        var models = mission.Snapshot().Models;
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], models.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new ModelUsage(3, new TokenUsage(3000, 3000), ExactCredits.FromCredits(3 * 12.5m)), models["gpt-4o"]);
        Assert.Equal(new ModelUsage(2, new TokenUsage(2000, 2000), ExactCredits.FromCredits(2 * 0.75m)), models["gpt-4o-mini"]);
    }

    private static ref long Field(CounterCell cell, int index)
    {
        switch (index)
        {
            case 0: return ref cell.Tokens;
            case 1: return ref cell.CostNanocredits;
            case 2: return ref cell.DurationNanoseconds;
            case 3: return ref cell.InputTokens;
            case 4: return ref cell.OutputTokens;
            case 5: return ref cell.CachedInputTokens;
            case 6: return ref cell.ReasoningTokens;
            case 7: return ref cell.CacheWriteInputTokens;
            default: return ref cell.Calls;
        }
    }

    private static long[] Totals(CounterCell cell) =>
    [
        cell.Tokens, cell.CostNanocredits, cell.DurationNanoseconds, cell.InputTokens, cell.OutputTokens,
        cell.CachedInputTokens, cell.ReasoningTokens, cell.CacheWriteInputTokens, cell.Calls,
    ];
}
