using Microsoft.Extensions.Options;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope.DependencyInjection;

/// <summary>Validates <see cref="VersionedEnvelopeOptions"/> once, listing every problem in one result.</summary>
internal sealed class VersionedEnvelopeOptionsValidator : IValidateOptions<VersionedEnvelopeOptions>
{
    public ValidateOptionsResult Validate(string? name, VersionedEnvelopeOptions options)
    {
        var errors = OptionsChecks.Collect(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
