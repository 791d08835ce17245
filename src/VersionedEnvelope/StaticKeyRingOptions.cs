using System.ComponentModel.DataAnnotations;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// A static key ring for hosts that manage keys elsewhere (bind it from configuration): keys by version and the active
/// one. Used with <c>UseStaticKeys</c>; validated at start-up; it cannot be rotated in place.
/// </summary>
public sealed class StaticKeyRingOptions : IValidatableObject
{
    /// <summary>Base64 of a 256-bit key by key version ("1", "2", …).</summary>
    public IDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The version of <see cref="Keys"/> that encrypts.</summary>
    [Required(ErrorMessage = "ActiveVersion is not set: name the key version that encrypts.")]
    public int? ActiveVersion { get; set; }

    /// <summary>Checks the keys and the active version together; a problem names a key by its version, never by its value.</summary>
    /// <param name="validationContext">The validation context.</param>
    /// <returns>One result per problem.</returns>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext) =>
        StaticKeyRings.Collect(this).Select(error => new ValidationResult(error));
}
