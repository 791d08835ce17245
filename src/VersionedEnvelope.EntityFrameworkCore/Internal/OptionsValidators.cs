using Microsoft.Extensions.Options;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

// Generated from the options' data annotations; the methods that take options check them with these.

/// <summary>Validates <see cref="EntityReencryptionOptions"/>, its claimed key ranges included.</summary>
[OptionsValidator]
internal sealed partial class EntityReencryptionOptionsValidator : IValidateOptions<EntityReencryptionOptions>
{
}

/// <summary>Validates <see cref="BlindIndexOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class BlindIndexOptionsValidator : IValidateOptions<BlindIndexOptions>
{
}
