namespace VersionedEnvelope;

/// <summary>
/// Options of the envelope encryptor. <see cref="Keys"/> and <see cref="ActiveVersion"/> describe a static key ring
/// for hosts that manage keys elsewhere (bind them from configuration; they are validated at start-up).
/// </summary>
public sealed class VersionedEnvelopeOptions
{
    /// <summary>Static key ring: base64 of a 256-bit key by key version ("1", "2", …). Empty when a store is used.</summary>
    public IDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The version of <see cref="Keys"/> that encrypts. Required when <see cref="Keys"/> is not empty.</summary>
    public int? ActiveVersion { get; set; }

    /// <summary>The opt-in data-key cache for hot encryption paths. Off by default.</summary>
    public DataKeyCacheOptions DataKeyCache { get; } = new();

    /// <summary>
    /// Whether decryption accepts headerless pre-versioning ciphertexts (<c>nonce ‖ ciphertext ‖ tag</c> under a raw
    /// key-encryption key), trying each usable version newest first. Default <see langword="false"/>.
    /// </summary>
    public bool AllowLegacyCiphertexts { get; set; }
}
