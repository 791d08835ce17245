using System.ComponentModel.DataAnnotations;
using AgentCosts.Internal;

namespace AgentCosts;

/// <summary>Options of the AgentCosts services (bindable from configuration; validated at start-up, every problem listed).</summary>
public sealed class AgentCostsOptions : IValidatableObject
{
    /// <summary>Prices by model id.</summary>
    public IDictionary<string, ModelPrice> Prices { get; } = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);

    /// <summary>What pricing does with a model that has no price. Default <see cref="UnknownModelPolicy.Throw"/>.</summary>
    [EnumDataType(typeof(UnknownModelPolicy))]
    public UnknownModelPolicy UnknownModelPolicy { get; set; } = AgentCostsDefaults.UnknownModelPolicy;

    /// <summary>The price of unknown models; required with <see cref="UnknownModelPolicy.ChargeDefault"/>.</summary>
    public ModelPrice? DefaultPrice { get; set; }

    /// <summary>How exact credits become whole credits. Default <see cref="CreditRounding.HalfUp"/>.</summary>
    [EnumDataType(typeof(CreditRounding))]
    public CreditRounding Rounding { get; set; } = AgentCostsDefaults.Rounding;

    /// <summary>The budget in credits of each new mission, or <see langword="null"/> for none.</summary>
    [Range(0, long.MaxValue)]
    public long? DefaultBudgetCredits { get; set; }

    /// <summary>The name of the meter that publishes the instruments. Default <c>AgentCosts</c>.</summary>
    [Required]
    public string MeterName { get; set; } = AgentCostsDefaults.MeterName;

    /// <summary>Checks every price with the rules <see cref="PriceTable"/> applies, and the default price its policy needs.</summary>
    /// <param name="validationContext">The validation context.</param>
    /// <returns>One result per problem.</returns>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        foreach (var (model, price) in Prices)
        {
            foreach (string problem in PriceRules.Problems($"Prices:{model}", price))
            {
                yield return new ValidationResult(problem, [nameof(Prices)]);
            }
        }

        if (UnknownModelPolicy == UnknownModelPolicy.ChargeDefault)
        {
            var problems = DefaultPrice is null
                ? ["UnknownModelPolicy is ChargeDefault but DefaultPrice is not set."]
                : PriceRules.Problems(nameof(DefaultPrice), DefaultPrice);
            foreach (string problem in problems)
            {
                yield return new ValidationResult(problem, [nameof(DefaultPrice)]);
            }
        }
    }
}
