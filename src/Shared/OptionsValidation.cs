using Microsoft.Extensions.Options;

namespace Shared;

/// <summary>
/// Compiled into each package that takes options (linked, internal): a constructor or method that takes options checks
/// them with the same generated validator that start-up validation uses, every problem in one exception.
/// </summary>
internal static class OptionsValidation
{
    public static TOptions ThrowIfInvalid<TOptions>(IValidateOptions<TOptions> validator, TOptions options, string paramName)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options, paramName);
        var result = validator.Validate(name: null, options);
        return result.Failed
            ? throw new ArgumentException($"Invalid {typeof(TOptions).Name}: {result.FailureMessage}", paramName)
            : options;
    }
}
