using AgentCosts.Metrics;
using Microsoft.Extensions.Options;

namespace AgentCosts.DependencyInjection;

/// <summary>The registered <see cref="IMissionCostTrackerFactory"/>.</summary>
internal sealed class MissionCostTrackerFactory(IOptions<AgentCostsOptions> options, AgentCostsMetrics metrics, TimeProvider timeProvider, PriceTable prices)
    : IMissionCostTrackerFactory
{
    public MissionCostTracker Create(long? budgetCredits = null)
    {
        long? budget = budgetCredits ?? options.Value.DefaultBudgetCredits;
        return new MissionCostTracker(metrics, timeProvider, budget is null ? null : new MissionBudget(budget.Value), prices, options.Value.Rounding);
    }
}
