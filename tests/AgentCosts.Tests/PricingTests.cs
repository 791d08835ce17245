namespace AgentCosts.Tests;

public sealed class PricingTests
{
    private static readonly PriceTable Table = new(new Dictionary<string, ModelPrice>
    {
        ["small"] = new(0.15m, 0.6m),
        ["large"] = new(2.5m, 10m),
    });

    [Theory]
    // 1234 × 0.00015 + 567 × 0.0006 = 0.1851 + 0.3402 = 0.5253 credits
    [InlineData("small", 1234, 567, CreditRounding.HalfUp, 1)]
    [InlineData("small", 1234, 567, CreditRounding.Down, 0)]
    [InlineData("small", 1234, 567, CreditRounding.Up, 1)]
    // 3000 × 0.00015 = 0.45 credits
    [InlineData("small", 3000, 0, CreditRounding.HalfUp, 0)]
    // 10000 × 0.00015 / 3 ... 1000 output × 0.0006 × 2.5 = exactly 1.5 → 2
    [InlineData("small", 0, 2500, CreditRounding.HalfUp, 2)]
    // 12000 × 0.0025 + 450 × 0.01 = 30 + 4.5 = 34.5 → 35
    [InlineData("large", 12000, 450, CreditRounding.HalfUp, 35)]
    [InlineData("large", 12000, 450, CreditRounding.Down, 34)]
    [InlineData("large", 0, 0, CreditRounding.Up, 0)]
    public void GetCost_WorkedExamples_RoundOnce(string model, long input, long output, CreditRounding rounding, long expected) =>
        Assert.Equal(expected, Table.GetExactCost(model, input, output).Round(rounding));

    [Fact]
    public void ExactCredits_ManySmallCalls_AddWithoutDrift()
    {
        var total = ExactCredits.Zero;
        for (int i = 0; i < 10_000; i++)
        {
            total += Table.GetExactCost("small", 1, 0);
        }

        Assert.Equal(1.5m, total.Credits);
        Assert.Equal(2, total.Round());
        Assert.Equal(0, Table.GetCost("small", 1, 0));
    }

    [Fact]
    public void GetCost_UnknownModelWithThrowPolicy_Throws()
    {
        var error = Assert.Throws<UnknownModelException>(() => Table.GetCost("mystery", 1, 1));

        Assert.Equal("mystery", error.Model);
    }

    [Fact]
    public void GetCost_UnknownModelWithDefaultPolicy_ChargesDefault()
    {
        var table = new PriceTable(new Dictionary<string, ModelPrice>(), UnknownModelPolicy.ChargeDefault, new ModelPrice(1m, 2m));

        Assert.Equal(5, table.GetCost("mystery", 1000, 2000));
        Assert.False(table.Contains("mystery"));
    }

    [Fact]
    public void Constructor_ChargeDefaultWithoutPrice_Throws() =>
        Assert.Throws<ArgumentException>(() => new PriceTable(new Dictionary<string, ModelPrice>(), UnknownModelPolicy.ChargeDefault));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.0000001)]
    public void Constructor_BadPrice_Throws(double price) =>
        Assert.Throws<ArgumentException>(() => new PriceTable(new Dictionary<string, ModelPrice> { ["m"] = new((decimal)price, 0) }));

    [Fact]
    public void GetCost_NegativeTokens_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Table.GetCost("small", -1, 0));
}
