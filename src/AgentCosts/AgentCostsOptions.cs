using AgentCosts.Metrics;

namespace AgentCosts;

/// <summary>Options of the AgentCosts services (bindable from configuration; validated at start-up).</summary>
public sealed class AgentCostsOptions
{
    /// <summary>Prices by model id.</summary>
    public IDictionary<string, ModelPrice> Prices { get; } = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);

    /// <summary>What pricing does with a model that has no price. Default <see cref="UnknownModelPolicy.Throw"/>.</summary>
    public UnknownModelPolicy UnknownModelPolicy { get; set; } = UnknownModelPolicy.Throw;

    /// <summary>The price of unknown models; required with <see cref="UnknownModelPolicy.ChargeDefault"/>.</summary>
    public ModelPrice? DefaultPrice { get; set; }

    /// <summary>How exact credits become whole credits. Default <see cref="CreditRounding.HalfUp"/>.</summary>
    public CreditRounding Rounding { get; set; } = CreditRounding.HalfUp;

    /// <summary>The budget in credits of each new mission, or <see langword="null"/> for none.</summary>
    public long? DefaultBudgetCredits { get; set; }

    /// <summary>The name of the meter that publishes the instruments. Default <c>AgentCosts</c>.</summary>
    public string MeterName { get; set; } = AgentCostMetrics.DefaultMeterName;
}
