using Microsoft.Extensions.Options;

namespace AgentCosts.DependencyInjection;

/// <summary>Validates <see cref="AgentCostsOptions"/> once, listing every problem in one result.</summary>
internal sealed class AgentCostsOptionsValidator : IValidateOptions<AgentCostsOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentCostsOptions options)
    {
        var errors = new List<string>();
        foreach (var (model, price) in options.Prices)
        {
            CheckPrice($"Prices:{model}", price, errors);
        }

        if (options.UnknownModelPolicy == UnknownModelPolicy.ChargeDefault)
        {
            if (options.DefaultPrice is null)
            {
                errors.Add("UnknownModelPolicy is ChargeDefault but DefaultPrice is not set.");
            }
            else
            {
                CheckPrice("DefaultPrice", options.DefaultPrice, errors);
            }
        }
        else if (!Enum.IsDefined(options.UnknownModelPolicy))
        {
            errors.Add($"UnknownModelPolicy {options.UnknownModelPolicy} is not defined.");
        }

        if (!Enum.IsDefined(options.Rounding))
        {
            errors.Add($"Rounding {options.Rounding} is not defined.");
        }

        if (options.DefaultBudgetCredits < 0)
        {
            errors.Add($"DefaultBudgetCredits is {options.DefaultBudgetCredits}; it cannot be negative.");
        }

        if (string.IsNullOrWhiteSpace(options.MeterName))
        {
            errors.Add("MeterName is empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckPrice(string path, ModelPrice? price, List<string> errors)
    {
        if (price is null)
        {
            errors.Add($"{path} is null.");
            return;
        }

        var sides = new List<(string, decimal)>
        {
            ("InputCreditsPer1000Tokens", price.InputCreditsPer1000Tokens),
            ("OutputCreditsPer1000Tokens", price.OutputCreditsPer1000Tokens),
        };
        if (price.CachedInputCreditsPer1000Tokens is { } cached)
        {
            sides.Add(("CachedInputCreditsPer1000Tokens", cached));
        }

        foreach (var (side, value) in sides)
        {
            if (value < 0)
            {
                errors.Add($"{path}:{side} is {value}; prices cannot be negative.");
            }
            else if (decimal.Round(value, 6) != value)
            {
                errors.Add($"{path}:{side} is {value}; prices have at most six decimal places.");
            }
        }
    }
}
