using System.ComponentModel.DataAnnotations;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>Options of the key ring manager: refresh, creation of a first ring, and the automatic lifecycle. Validated at start-up.</summary>
public sealed class KeyRingOptions : IValidatableObject
{
    /// <summary>The most wraps one key version may be given: 2^32, the NIST SP 800-38D bound for random 96-bit nonces.</summary>
    public const long MaxDataKeysPerVersionLimit = 1L << 32;

    /// <summary>
    /// How often a rotating key ring is reloaded from its store, so that this host picks up versions other hosts
    /// created. Default one minute; <see cref="TimeSpan.Zero"/> turns periodic refresh off.
    /// </summary>
    [Shared.TimeSpanRange("00:00:00")]
    public TimeSpan RefreshInterval { get; set; } = VersionedEnvelopeDefaults.RefreshInterval;

    /// <summary>
    /// How long a version the store was found not to have is answered from memory: within it, a ciphertext naming that
    /// version fails at once, without another store read.
    /// </summary>
    /// <remarks>
    /// A version the store has is never refused for it: a decrypt that meets an unknown version joins the one reload in
    /// flight (single flight), whose result every caller shares. Default five seconds, so a stream of bad input cannot
    /// turn into a stream of store reads.
    /// </remarks>
    [Shared.TimeSpanRange("00:00:00")]
    public TimeSpan UnknownVersionReloadInterval { get; set; } = VersionedEnvelopeDefaults.UnknownVersionReloadInterval;

    /// <summary>
    /// How long a synchronous decrypt waits for the reload that looks for a version this host does not know yet; then
    /// it fails with <see cref="EnvelopeErrorReason.UnknownKeyVersion"/>.
    /// </summary>
    /// <remarks>
    /// Async forms (<c>DecryptAsync</c>) wait without blocking a thread and honour their cancellation token instead.
    /// Default five seconds.
    /// </remarks>
    [Shared.TimeSpanRange("00:00:00", VersionedEnvelopeDefaults.UnknownVersionWaitTimeoutLimit)]
    public TimeSpan UnknownVersionWaitTimeout { get; set; } = VersionedEnvelopeDefaults.UnknownVersionWaitTimeout;

    /// <summary>
    /// How long a new version waits, <see cref="KeyState.Pending"/>, between its creation by a rotation and its first
    /// use for encryption.
    /// </summary>
    /// <remarks>
    /// Meanwhile it decrypts everywhere, so every host that shares the ring knows it before any host encrypts with it.
    /// Set it to at least <see cref="RefreshInterval"/> when several hosts share a ring (hosts that hear of changes at
    /// once, through a store's change notifications, can use less). Default <see cref="TimeSpan.Zero"/>: a rotation
    /// activates the new version at once, which suits one host.
    /// </remarks>
    [Shared.TimeSpanRange("00:00:00")]
    public TimeSpan ActivationDelay { get; set; }

    /// <summary>
    /// Whether the manager refreshes as soon as a store that can say so (<see cref="Storage.IKeyRingChangeSource"/>: the
    /// file store, the EF Core store on PostgreSQL) reports a change by another host. Default <see langword="true"/>.
    /// </summary>
    public bool WatchForChanges { get; set; } = true;

    /// <summary>Whether an empty store gets a new ring (version 1) on first use. Default <see langword="false"/>: an empty store is an error.</summary>
    public bool CreateKeyRingIfMissing { get; set; }

    /// <summary>Rotate automatically when the active version is this old; <see cref="TimeSpan.Zero"/> (the default) turns rotation by age off.</summary>
    /// <remarks>
    /// The new version is created <see cref="ActivationDelay"/> before the period ends, so it is
    /// <see cref="KeyState.Pending"/> on every host before it starts to encrypt. The rotation is recorded as
    /// <c>rotatedBy = "auto:age"</c>. Runs in the hosted service <c>AddVersionedEnvelope</c> registers.
    /// </remarks>
    [Shared.TimeSpanRange("00:00:00")]
    public TimeSpan RotationPeriod { get; set; }

    /// <summary>How many data keys one version may wrap; the ring rotates (<c>"auto:use"</c>) when the count of every host passes 90% of it.</summary>
    /// <remarks>
    /// Default 2^30, a quarter of the NIST SP 800-38D bound of 2^32 random nonces per key, because hosts add their counts
    /// with a delay (<see cref="UseFlushInterval"/>). At most <see cref="MaxDataKeysPerVersionLimit"/>. Counting needs a
    /// store that keeps counts (<see cref="Storage.IKeyUseStore"/>: the file, in-memory and EF Core stores do).
    /// </remarks>
    [Range(1L, MaxDataKeysPerVersionLimit)]
    public long MaxDataKeysPerVersion { get; set; } = VersionedEnvelopeDefaults.MaxDataKeysPerVersion;

    /// <summary>How often a host adds the wraps it counted to the store's shared count (and at shutdown). Default five seconds.</summary>
    [Shared.TimeSpanRange("00:00:00.010", "01:00:00")]
    public TimeSpan UseFlushInterval { get; set; } = VersionedEnvelopeDefaults.UseFlushInterval;

    /// <summary>Retire a version automatically once every registered <see cref="IKeyUsageSource"/> counts no ciphertext under it.</summary>
    /// <remarks>
    /// Only versions that are neither active nor pending, and only when at least one source is registered and every
    /// source answered. Retiring refuses decryption and can be undone (<see cref="KeyRingManager.ReinstateAsync"/>);
    /// automatic actions never destroy. Default <see langword="false"/>.
    /// </remarks>
    public bool RetireWhenUnused { get; set; }

    /// <summary>How often the hosted service takes an inventory to retire unused versions (<see cref="RetireWhenUnused"/>). Default one hour.</summary>
    [Shared.TimeSpanRange("00:00:01")]
    public TimeSpan RetirementCheckInterval { get; set; } = VersionedEnvelopeDefaults.RetirementCheckInterval;

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (RotationPeriod > TimeSpan.Zero && RotationPeriod <= ActivationDelay)
        {
            yield return new ValidationResult(
                $"RotationPeriod ({RotationPeriod}) must be longer than ActivationDelay ({ActivationDelay}): each new version waits that long "
                    + "before it encrypts.",
                [nameof(RotationPeriod), nameof(ActivationDelay)]);
        }
    }
}
