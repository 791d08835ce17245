using Microsoft.Extensions.Options;

namespace VersionedEnvelope;

// Generated from the options' data annotations (and IValidatableObject where a rule spans members); start-up validation
// and the constructors that take options use the same validators, so each rule exists once.

/// <summary>Validates <see cref="EnvelopeEncryptorOptions"/>, its data-key cache included.</summary>
[OptionsValidator]
internal sealed partial class EnvelopeEncryptorOptionsValidator : IValidateOptions<EnvelopeEncryptorOptions>
{
}

/// <summary>Validates <see cref="DataKeyCacheOptions"/> on their own (an encryptor built without DI).</summary>
[OptionsValidator]
internal sealed partial class DataKeyCacheOptionsValidator : IValidateOptions<DataKeyCacheOptions>
{
}

/// <summary>Validates <see cref="KeyRingOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class KeyRingOptionsValidator : IValidateOptions<KeyRingOptions>
{
}

/// <summary>Validates <see cref="StaticKeyRingOptions"/> (never echoing key material).</summary>
[OptionsValidator]
internal sealed partial class StaticKeyRingOptionsValidator : IValidateOptions<StaticKeyRingOptions>
{
}

/// <summary>Validates the settings every re-encryption run shares.</summary>
[OptionsValidator]
internal sealed partial class ReencryptionRunOptionsValidator : IValidateOptions<ReencryptionRunOptions>
{
}
