using System.ComponentModel.DataAnnotations;

namespace VersionedEnvelope.Pkcs11;

/// <summary>Where the wrapping key lives: a PKCS#11 library, a token, its user PIN and the key's label.</summary>
public sealed class Pkcs11ProtectorOptions : IValidatableObject
{
    /// <summary>The PKCS#11 module (for example <c>/usr/lib/softhsm/libsofthsm2.so</c>, or an HSM vendor's library).</summary>
    [Required]
    public string? LibraryPath { get; set; }

    /// <summary>The label of the token that holds the key.</summary>
    [Required]
    public string? TokenLabel { get; set; }

    /// <summary>The token's user PIN. Prefer <see cref="UserPinProvider"/>, so the PIN is read only when a session logs in.</summary>
    public string? UserPin { get; set; }

    /// <summary>Returns the user PIN when the protector logs in (from a secret store, say); used instead of <see cref="UserPin"/>.</summary>
    public Func<string>? UserPinProvider { get; set; }

    /// <summary>The label (<c>CKA_LABEL</c>) of the AES-256 wrapping key on the token.</summary>
    [Required]
    public string? KeyLabel { get; set; }

    /// <summary>
    /// Whether a missing key is created on the token: AES-256, <c>CKA_SENSITIVE</c> true, <c>CKA_EXTRACTABLE</c> false, so
    /// it never leaves the token. Default <see langword="false"/>: a missing key is an error (an operator creates it once).
    /// </summary>
    public bool CreateKeyIfMissing { get; set; }

    /// <summary>Checks that a PIN is given one way or the other (never echoing it).</summary>
    /// <param name="validationContext">The validation context.</param>
    /// <returns>A result when neither <see cref="UserPin"/> nor <see cref="UserPinProvider"/> is set.</returns>
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (UserPin is null && UserPinProvider is null)
        {
            yield return new ValidationResult("UserPin or UserPinProvider is required.", [nameof(UserPin), nameof(UserPinProvider)]);
        }
    }
}
