using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>Options of the key ring manager: refresh from the store and creation of a first ring. Validated at start-up.</summary>
public sealed class KeyRingOptions
{
    /// <summary>
    /// How often a rotating key ring is reloaded from its store, so that this host picks up versions other hosts
    /// created. Default one minute; <see cref="TimeSpan.Zero"/> turns periodic refresh off.
    /// </summary>
    [Shared.TimeSpanRange("00:00:00")]
    public TimeSpan RefreshInterval { get; set; } = VersionedEnvelopeDefaults.RefreshInterval;

    /// <summary>
    /// How long a version the store was found not to have is answered from memory: within it, a ciphertext naming that
    /// version fails at once, without another store read. A version the store has is never refused for it: a decrypt
    /// that meets an unknown version joins the one reload in flight (single flight), whose result every caller shares.
    /// Default five seconds, so a stream of bad input cannot turn into a stream of store reads.
    /// </summary>
    [Shared.TimeSpanRange("00:00:00")]
    public TimeSpan UnknownVersionReloadInterval { get; set; } = VersionedEnvelopeDefaults.UnknownVersionReloadInterval;

    /// <summary>
    /// How long a synchronous decrypt waits for the reload that looks for a version this host does not know yet; then it
    /// fails with <see cref="EnvelopeErrorReason.UnknownKeyVersion"/>. Async forms (<c>DecryptAsync</c>) wait without
    /// blocking a thread and honour their cancellation token instead. Default five seconds.
    /// </summary>
    [Shared.TimeSpanRange("00:00:00", VersionedEnvelopeDefaults.UnknownVersionWaitTimeoutLimit)]
    public TimeSpan UnknownVersionWaitTimeout { get; set; } = VersionedEnvelopeDefaults.UnknownVersionWaitTimeout;

    /// <summary>
    /// How long a new version waits, <see cref="KeyState.Pending"/>, between its creation by a rotation and its first use
    /// for encryption. Meanwhile it decrypts everywhere, so every host that shares the ring knows it before any host
    /// encrypts with it. Set it to at least <see cref="RefreshInterval"/> when several hosts share a ring (hosts that hear
    /// of changes at once, through a store's change notifications, can use less). Default <see cref="TimeSpan.Zero"/>:
    /// a rotation activates the new version at once, which suits one host.
    /// </summary>
    [Shared.TimeSpanRange("00:00:00")]
    public TimeSpan ActivationDelay { get; set; }

    /// <summary>
    /// Whether the manager refreshes as soon as a store that can say so (<see cref="Storage.IKeyRingChangeSource"/>: the
    /// file store, the EF Core store on PostgreSQL) reports a change by another host. Default <see langword="true"/>.
    /// </summary>
    public bool WatchForChanges { get; set; } = true;

    /// <summary>Whether an empty store gets a new ring (version 1) on first use. Default <see langword="false"/>: an empty store is an error.</summary>
    public bool CreateKeyRingIfMissing { get; set; }
}
