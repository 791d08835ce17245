using AgentCosts.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentCosts.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddAgentCosts_Configured_ResolvesFactoryPricesAndBudget()
    {
        using var provider = new ServiceCollection()
            .AddAgentCosts(o =>
            {
                o.Prices["small"] = new ModelPrice(0.15m, 0.6m);
                o.DefaultBudgetCredits = 500;
                o.MeterName = "AgentCosts.Tests.DI";
            })
            .BuildServiceProvider();

        var mission = provider.GetRequiredService<IMissionCostTrackerFactory>().Create();

        Assert.Equal(ExactCredits.FromCredits(500), mission.Budget!.Limit);
        Assert.Same(provider.GetRequiredService<PriceTable>(), mission.Prices);
        Assert.Equal(1, provider.GetRequiredService<PriceTable>().GetCost("small", 1234, 567));
        Assert.Equal("AgentCosts.Tests.DI", provider.GetRequiredService<AgentCostsMetrics>().Meter.Name);
    }

    [Fact]
    public void AddAgentCosts_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection().AddAgentCosts().AddAgentCosts();

        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IMissionCostTrackerFactory)));
        Assert.Equal(1, services.Count(d => d.ServiceType == typeof(IValidateOptions<AgentCostsOptions>)));
    }

    [Fact]
    public void Options_EveryProblem_ListedInOneError()
    {
        using var provider = new ServiceCollection()
            .AddAgentCosts(o =>
            {
                o.Prices["neg"] = new ModelPrice(-1m, 0m);
                o.Prices["fine"] = new ModelPrice(0.0000001m, 0m);
                o.Prices["tiered"] = new ModelPrice(1m, 2m) { LongContextThresholdTokens = 200_000 };
                o.UnknownModelPolicy = UnknownModelPolicy.ChargeDefault;
                o.DefaultBudgetCredits = -5;
                o.MeterName = " ";
            })
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IMissionCostTrackerFactory>().Create());

        Assert.Equal(6, error.Failures.Count());

        // The price rules are the price table's own: the same problem reads the same in both.
        var table = Assert.Throws<ArgumentException>(() => new PriceTable(new Dictionary<string, ModelPrice> { ["tiered"] = new(1m, 2m) { LongContextThresholdTokens = 200_000 } }));
        Assert.Contains(error.Failures, f => f.Contains("has a long-context threshold but no LongContextPrice", StringComparison.Ordinal));
        Assert.Contains("has a long-context threshold but no LongContextPrice", table.Message, StringComparison.Ordinal);
        Assert.Contains(error.Failures, f => f.Contains("is negative (InputCreditsPer1000Tokens is -1)", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("more than six decimal places", StringComparison.Ordinal));
    }
}
