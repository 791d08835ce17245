using Microsoft.Extensions.Options;

namespace VersionedEnvelope;

/// <summary>Options of the envelope encryptor: the opt-in data-key cache and legacy input. Validated at start-up.</summary>
public sealed class EnvelopeEncryptorOptions
{
    /// <summary>The opt-in data-key cache for hot encryption paths. Off by default.</summary>
    [ValidateObjectMembers]
    public DataKeyCacheOptions DataKeyCache { get; } = new();

    /// <summary>
    /// Whether decryption accepts headerless pre-versioning ciphertexts (<c>nonce ‖ ciphertext ‖ tag</c> under a raw
    /// key-encryption key), trying each usable version newest first. Default <see langword="false"/>.
    /// </summary>
    public bool AllowLegacyCiphertexts { get; set; }
}
