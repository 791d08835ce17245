namespace VersionedEnvelope;

/// <summary>Options of the key ring manager: refresh from the store and creation of a first ring. Validated at start-up.</summary>
public sealed class KeyRingOptions
{
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
