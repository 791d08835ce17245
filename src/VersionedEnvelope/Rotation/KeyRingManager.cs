using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope;

/// <summary>
/// Owns the key ring of one host: gives the encryptor the current snapshot without locks, and changes the ring
/// (rotate, retire, reinstate, destroy, index keys, re-protect), each change persisted atomically with its audit event.
/// </summary>
/// <remarks>
/// Every change is load → apply a rule (<c>KeyRingRules</c>, pure) → save with the store's concurrency (the key ring
/// writer: under the store's lock when it has one, optimistic retries otherwise) → publish → log. Reading, the shared reload of unknown versions and
/// the background refresh belong to the key ring cache, which picks up versions created by other hosts. Every key-ring
/// event is logged, never key material.
/// </remarks>
public sealed partial class KeyRingManager : IKeyRingProvider, IDisposable
{
    private readonly KeyRingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly KeyRingCache _cache;
    private readonly KeyRingWriter _writer;
    private readonly KeyRingPolicy _policy;
    private readonly IKeyUseStore? _useStore;
    private IReadOnlyDictionary<int, long> _sharedUses = new Dictionary<int, long>();
    private KeyUsageInventory? _lastInventory;

    /// <summary>Creates a manager over a store.</summary>
    /// <param name="store">Where the ring lives.</param>
    /// <param name="options">Refresh and creation settings; defaults when omitted.</param>
    /// <param name="timeProvider">The clock for events and refresh; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="logger">Where key-ring events go; nowhere when omitted.</param>
    public KeyRingManager(IKeyRingStore store, KeyRingOptions? options = null, TimeProvider? timeProvider = null, ILogger<KeyRingManager>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _options = Shared.OptionsValidation.ThrowIfInvalid(new KeyRingOptionsValidator(), options ?? new KeyRingOptions(), nameof(options));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _writer = new KeyRingWriter(store, _options.CreateKeyRingIfMissing, _timeProvider);
        _cache = new KeyRingCache(store, _options, _timeProvider, _logger, _writer.CreateAsync);
        _policy = KeyRingPolicy.From(_options);
        _useStore = store as IKeyUseStore;
        UseCounter = _useStore is null ? null : new KeyUseCounter();
    }

    /// <summary>This host's wraps not yet added to the store; null when the store keeps no counts.</summary>
    internal KeyUseCounter? UseCounter { get; }

    /// <summary>The settings the lifecycle runs with (validated).</summary>
    internal KeyRingOptions Options => _options;

    /// <summary>The lifecycle rules' view of <see cref="Options"/>, built once.</summary>
    internal KeyRingPolicy Policy => _policy;

    /// <summary>The current snapshot; the first read loads the ring (use <see cref="InitializeAsync"/> to load it up front).</summary>
    /// <exception cref="InvalidOperationException">The store is empty and <see cref="KeyRingOptions.CreateKeyRingIfMissing"/> is off.</exception>
    /// <remarks>
    /// While a version is <see cref="KeyState.Pending"/>, each read compares its activation time with the clock, so the
    /// switch happens at that moment on every host (no timer to fire late); without one, a read is one field load.
    /// </remarks>
    public KeyRing Current => _cache.Snapshot().Ring;

    /// <summary>The store revision of <see cref="Current"/>.</summary>
    public long Revision => _cache.Snapshot().Revision;

    /// <summary>Whether the ring has been loaded (by <see cref="InitializeAsync"/> or a first use).</summary>
    public bool IsLoaded => _cache.IsLoaded;

    /// <summary>Loads the ring (creating it if the options allow), so the first encryption does not wait for the store.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The current snapshot.</returns>
    public Task<KeyRing> InitializeAsync(CancellationToken cancellationToken = default) => _cache.InitializeAsync(cancellationToken);

    /// <summary>Reloads the ring from the store and swaps the snapshot if it changed.</summary>
    /// <param name="cancellationToken">Cancels the reload.</param>
    /// <returns><see langword="true"/> when a newer revision was found.</returns>
    /// <remarks>
    /// An older revision than the one held (a restored backup, a store written back) is refused, logged as an error and
    /// counted in <c>versioned_envelope.key_ring.rollbacks</c>.
    /// </remarks>
    public Task<bool> RefreshAsync(CancellationToken cancellationToken = default) => _cache.RefreshAsync(cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// A version this host lacks joins the one reload in flight (single flight), bounded by
    /// <see cref="KeyRingOptions.UnknownVersionWaitTimeout"/>; the thread waits, so async callers should use
    /// <see cref="GetRingWithAsync"/> (the <c>DecryptAsync</c> extensions do).
    /// </remarks>
    public KeyRing GetRingWith(int version) => _cache.GetRingWith(version);

    /// <summary>As <see cref="GetRingWith"/>, without blocking a thread.</summary>
    /// <param name="version">The version a ciphertext names.</param>
    /// <param name="cancellationToken">Stops waiting (the shared reload goes on for the others).</param>
    /// <returns>The snapshot to use, which lacks the version only when the store does not have it.</returns>
    /// <remarks>
    /// Every concurrent caller shares one reload; a version the store was found not to have is not looked for again
    /// within <see cref="KeyRingOptions.UnknownVersionReloadInterval"/>.
    /// </remarks>
    public ValueTask<KeyRing> GetRingWithAsync(int version, CancellationToken cancellationToken = default) =>
        _cache.GetRingWithAsync(version, cancellationToken);

    /// <summary>Rotates: a new version (highest + 1) with a fresh 256-bit key becomes active; the previous one only decrypts.</summary>
    /// <param name="rotatedBy">Who rotates (recorded in the audit trail).</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>The rotation event.</returns>
    /// <exception cref="NotSupportedException">The store is read-only (a static ring from options).</exception>
    /// <exception cref="KeyRingConcurrencyException">
    /// Only with a store that cannot lock (not <see cref="ILockingKeyRingStore"/>): other hosts kept changing the ring
    /// through 10 jittered retries.
    /// </exception>
    /// <remarks>
    /// Saved in one atomic step with its event. With <see cref="KeyRingOptions.ActivationDelay"/> the new version is pending
    /// until then. A rotation that meets another host's change is replayed on the newer ring, so both are kept.
    /// </remarks>
    public async Task<KeyRotationEvent> RotateAsync(string rotatedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rotatedBy);
        var rotated = await ApplyAsync(ring => KeyRingRules.Rotate(ring, rotatedBy, Now(), _options.ActivationDelay), cancellationToken).ConfigureAwait(false);
        KeyRingLog.Rotated(_logger, rotated.Version, rotated.By);
        return new KeyRotationEvent(rotated.Version, rotated.At, rotated.By);
    }

    /// <summary>Seals the ring anew under the protectors configured now (<c>ProtectKeysWith…</c>), with an audit event and no key changed.</summary>
    /// <param name="by">Who re-protects (recorded in the audit trail).</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the document is saved.</returns>
    /// <exception cref="NotSupportedException">The store is read-only (a static ring from options).</exception>
    /// <remarks>
    /// After adding an HSM or KMS protector, this moves the stored document at once instead of at the next change. Keep
    /// the old protector configured until this has run, then remove it.
    /// </remarks>
    public async Task ReprotectAsync(string by, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        await ApplyAsync(ring => KeyRingRules.Reprotect(ring, by, Now()), cancellationToken).ConfigureAwait(false);
        var current = Current;
        KeyRingLog.StateChanged(_logger, current.ActiveVersion, current.ActiveKey.State, by);
    }

    /// <summary>Adds a new blind index key version (the first, when the ring has none), audited as <see cref="KeyRingEventKind.IndexKeyRotated"/>.</summary>
    /// <param name="rotatedBy">Who rotates (recorded in the audit trail).</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>The rotation event, with the new index key version.</returns>
    /// <exception cref="NotSupportedException">The store is read-only (a static ring from options).</exception>
    /// <remarks>
    /// Lookups ask for every index key version in the ring, so they keep working while a backfill moves the stored
    /// indexes (<c>BackfillBlindIndexAsync</c> in the EF Core package). Data keys are not touched.
    /// </remarks>
    public async Task<KeyRotationEvent> RotateIndexKeyAsync(string rotatedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rotatedBy);
        var rotated = await ApplyAsync(ring => KeyRingRules.RotateIndexKey(ring, rotatedBy, Now()), cancellationToken).ConfigureAwait(false);
        KeyRingLog.IndexKeyRotated(_logger, rotated.Version, rotated.By);
        return new KeyRotationEvent(rotated.Version, rotated.At, rotated.By);
    }

    /// <summary>Removes an old blind index key version, audited as <see cref="KeyRingEventKind.IndexKeyRetired"/>. Never the newest.</summary>
    /// <param name="version">The index key version.</param>
    /// <param name="by">Who retires it.</param>
    /// <param name="inventory">Counts of stored indexes by index key version, taken after the backfill.</param>
    /// <param name="force">Remove it even if indexes still use it: lookups no longer find those rows until they are backfilled.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="KeyDestructionRefusedException">The inventory does not show the version unused; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The version is the newest or not in the ring.</exception>
    /// <remarks>Without <paramref name="force"/>, the inventory (<c>GetBlindIndexUsageAsync</c>) must show no index under the version.</remarks>
    public async Task RetireIndexKeyAsync(
        int version, string by, KeyUsageInventory? inventory, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        await ApplyAsync(ring => KeyRingRules.RetireIndexKey(ring, version, by, inventory, force, Now()), cancellationToken).ConfigureAwait(false);
        KeyRingLog.IndexKeyRetired(_logger, version, by);
    }

    /// <summary>Retires a version: decryption under it is refused until it is reinstated. Never the active version.</summary>
    /// <param name="version">The version.</param>
    /// <param name="by">Who retires it.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="InvalidOperationException">The version is active, destroyed or unknown.</exception>
    public Task RetireAsync(int version, string by, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(version, by, KeyState.Retired, ring => KeyRingRules.Retire(ring, version, by, Now()), cancellationToken);

    /// <summary>Reinstates a retired version: it decrypts again.</summary>
    /// <param name="version">The version.</param>
    /// <param name="by">Who reinstates it.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="InvalidOperationException">The version is not retired.</exception>
    public Task ReinstateAsync(int version, string by, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(version, by, KeyState.DecryptOnly, ring => KeyRingRules.Reinstate(ring, version, by, Now()), cancellationToken);

    /// <summary>Destroys a version's key material for good. Never the active version.</summary>
    /// <param name="version">The version.</param>
    /// <param name="by">Who destroys it.</param>
    /// <param name="inventory">A key-usage inventory of every stored ciphertext, taken after re-encryption.</param>
    /// <param name="force">Destroy even if ciphertexts may still use the version: they become unreadable.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="KeyDestructionRefusedException">The inventory does not show the version unused; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The version is active or not in the ring.</exception>
    /// <remarks>
    /// Without <paramref name="force"/>, <paramref name="inventory"/> must have scanned at least one ciphertext, hold no
    /// legacy or malformed entries (those may need any version), and count none under the version.
    /// </remarks>
    public Task DestroyAsync(int version, string by, KeyUsageInventory? inventory, bool force = false, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(version, by, KeyState.Destroyed, ring => KeyRingRules.Destroy(ring, version, by, inventory, force, Now()), cancellationToken);

    /// <summary>The rotations of the current ring, oldest first: the <c>keyRotationHistory</c> entries.</summary>
    /// <returns>The rotation history.</returns>
    public IReadOnlyList<KeyRotationEvent> GetRotationHistory() =>
        [.. Current.History.Where(e => e.Kind == KeyRingEventKind.Rotated).Select(e => new KeyRotationEvent(e.Version, e.At, e.By))];

    /// <summary>Stops the periodic refresh.</summary>
    public void Dispose()
    {
        _cache.Dispose();
        _writer.Dispose();
    }

    private async Task ChangeStateAsync(int version, string by, KeyState state, Func<KeyRing, KeyRingChange> rule, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        try
        {
            await ApplyAsync(rule, cancellationToken).ConfigureAwait(false);
            KeyRingLog.StateChanged(_logger, version, state, by);
        }
        catch (KeyDestructionRefusedException ex)
        {
            KeyRingLog.DestroyRefused(_logger, version, ex.Reason ?? ex.Message);
            throw;
        }
    }

    /// <summary>Applies a rule through the writer and publishes what it saved; returns the change's event.</summary>
    private async Task<KeyRingEvent> ApplyAsync(Func<KeyRing, KeyRingChange> rule, CancellationToken cancellationToken)
    {
        var stored = await _writer.ApplyAsync(rule, cancellationToken).ConfigureAwait(false);
        _cache.Publish(stored);
        return stored.Ring.History[^1];
    }

    private DateTimeOffset Now()
    {
        // Millisecond precision, as the rotation history JSON stores it, so what is saved reads back identical.
        var now = _timeProvider.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
