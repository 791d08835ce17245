using Microsoft.Extensions.Options;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>Validates <see cref="EnvelopeEncryptorOptions"/> once, every problem in one result.</summary>
internal sealed class EnvelopeEncryptorOptionsValidator : IValidateOptions<EnvelopeEncryptorOptions>
{
    public ValidateOptionsResult Validate(string? name, EnvelopeEncryptorOptions options) => Result(OptionsChecks.Collect(options));

    internal static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}

/// <summary>Validates <see cref="KeyRingOptions"/> once, every problem in one result.</summary>
internal sealed class KeyRingOptionsValidator : IValidateOptions<KeyRingOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyRingOptions options) => EnvelopeEncryptorOptionsValidator.Result(OptionsChecks.Collect(options));
}

/// <summary>Validates <see cref="StaticKeyRingOptions"/> once, every problem in one result (never echoing key material).</summary>
internal sealed class StaticKeyRingOptionsValidator : IValidateOptions<StaticKeyRingOptions>
{
    public ValidateOptionsResult Validate(
        string? name,
        StaticKeyRingOptions options) => EnvelopeEncryptorOptionsValidator.Result(OptionsChecks.Collect(options));
}
