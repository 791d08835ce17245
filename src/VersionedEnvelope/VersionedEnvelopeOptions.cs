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

    /// <summary>
    /// How often a rotating key ring is reloaded from its store, so that this host picks up versions other hosts
    /// created. Default one minute; <see cref="TimeSpan.Zero"/> turns periodic refresh off.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The least time between two reloads caused by a ciphertext naming a version this host does not know yet.
    /// Default five seconds, so a stream of bad input cannot turn into a stream of store reads.
    /// </summary>
    public TimeSpan UnknownVersionReloadInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether an empty store gets a new ring (version 1) on first use. Default <see langword="false"/>: an empty store is an error.</summary>
    public bool CreateKeyRingIfMissing { get; set; }
}
