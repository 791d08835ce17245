using Microsoft.Extensions.Options;

namespace VersionedEnvelope.Pkcs11;

/// <summary>Validates <see cref="Pkcs11ProtectorOptions"/>, generated from their data annotations; the protector's constructor uses it.</summary>
[OptionsValidator]
internal sealed partial class Pkcs11ProtectorOptionsValidator : IValidateOptions<Pkcs11ProtectorOptions>
{
}
