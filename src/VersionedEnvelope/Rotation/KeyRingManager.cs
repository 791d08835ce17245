using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope;

/// <summary>
/// Owns the key ring of one host: loads it from an <see cref="IKeyRingStore"/>, gives the encryptor the current
/// snapshot without locks, rotates, retires, reinstates and destroys versions (each change persisted atomically with
/// its audit event, under the store's lock when it has one and optimistic concurrency otherwise), and refreshes in the
/// background so versions created by other hosts are picked up. Every key-ring event is logged (never key material).
/// </summary>
public sealed class KeyRingManager : IKeyRingProvider, IDisposable
{
    private const int MaxConcurrencyAttempts = 10;

    // Versions the store was found without, remembered to answer bad input fast; forgotten wholesale past this many.
    private const int MaxRememberedMissingVersions = 1_024;
    private readonly IKeyRingStore _store;
    private readonly KeyRingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly object _loadGate = new();
    private readonly ITimer? _refreshTimer;
    private StoredKeyRing? _current;
    private readonly object _reloadGate = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _missingVersions = new();
    private Task? _reload;
    private long _reloadsStarted;
    private readonly IDisposable? _changeWatch;
    private int _refreshing;
    private int _refreshRequested;

    /// <summary>Creates a manager over a store.</summary>
    /// <param name="store">Where the ring lives.</param>
    /// <param name="options">Refresh and creation settings; defaults when omitted.</param>
    /// <param name="timeProvider">The clock for events and refresh; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="logger">Where key-ring events go; nowhere when omitted.</param>
    public KeyRingManager(IKeyRingStore store, KeyRingOptions? options = null, TimeProvider? timeProvider = null, ILogger<KeyRingManager>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = Shared.OptionsValidation.ThrowIfInvalid(new KeyRingOptionsValidator(), options ?? new KeyRingOptions(), nameof(options));
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        if (store.CanSave && _options.RefreshInterval > TimeSpan.Zero)
        {
            _refreshTimer = _timeProvider.CreateTimer(
                static state => ((KeyRingManager)state!).RefreshInBackground(), this, _options.RefreshInterval, _options.RefreshInterval);
        }

        if (store.CanSave && _options.WatchForChanges && store is IKeyRingChangeSource changes)
        {
            // Another host's save reaches this one at once; the periodic refresh stays as the fallback.
            _changeWatch = changes.Watch(RefreshInBackground, ex => KeyRingLog.ChangeWatchFailed(_logger, ex));
        }
    }

    /// <summary>The current snapshot; the first read loads the ring (use <see cref="InitializeAsync"/> to load it up front).</summary>
    /// <exception cref="InvalidOperationException">The store is empty and <see cref="KeyRingOptions.CreateKeyRingIfMissing"/> is off.</exception>
    /// <remarks>
    /// While a version is <see cref="KeyState.Pending"/>, each read compares its activation time with the clock, so the
    /// switch happens at that moment on every host (no timer to fire late); without one, a read is one field load.
    /// </remarks>
    public KeyRing Current => Snapshot().Ring;

    /// <summary>The store revision of <see cref="Current"/>.</summary>
    public long Revision => Snapshot().Revision;

    private StoredKeyRing Snapshot()
    {
        var stored = Volatile.Read(ref _current) ?? LoadInitial();
        return stored.Ring.NextActivation is { } next && next <= _timeProvider.GetUtcNow() ? Activate(stored) : stored;
    }

    /// <summary>Swaps in the ring as it stands now (a pending version's time has come); every reader sees the same result.</summary>
    private StoredKeyRing Activate(StoredKeyRing stored)
    {
        var activated = new StoredKeyRing(stored.Ring.AsOf(_timeProvider.GetUtcNow()), stored.Revision);
        if (Interlocked.CompareExchange(ref _current, activated, stored) == stored && activated.Ring.ActiveVersion != stored.Ring.ActiveVersion)
        {
            KeyRingLog.Activated(_logger, activated.Ring.ActiveVersion, stored.Ring.ActiveVersion);
        }

        return Volatile.Read(ref _current)!;
    }

    /// <summary>Loads the ring (creating it if the options allow), so the first encryption does not wait for the store.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The current snapshot.</returns>
    public async Task<KeyRing> InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _current) is { } loaded)
        {
            return loaded.Ring;
        }

        var stored = await _store.LoadAsync(cancellationToken).ConfigureAwait(false) ?? await CreateAsync(cancellationToken).ConfigureAwait(false);
        Publish(stored);
        return Current;
    }

    /// <summary>
    /// Reloads the ring from the store and swaps the snapshot if it changed. An older revision than the one held is
    /// refused, logged as an error and counted (<c>versioned_envelope.key_ring.rollbacks</c>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the reload.</param>
    /// <returns><see langword="true"/> when a newer revision was found.</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        // The revision held before the load: a store's revision only grows, so an older one read back means a rollback.
        long held = Volatile.Read(ref _current)?.Revision ?? 0;
        var stored = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (stored is not null && stored.Revision < held)
        {
            KeyRingLog.RollbackRefused(_logger, held, stored.Revision);
            KeyRingMetrics.Rollbacks.Add(1);
        }

        return stored is not null && Publish(stored);
    }

    /// <summary>Whether the ring has been loaded (by <see cref="InitializeAsync"/> or a first use).</summary>
    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    /// <inheritdoc />
    /// <remarks>
    /// A version this host lacks joins the one reload in flight (single flight), bounded by
    /// <see cref="KeyRingOptions.UnknownVersionWaitTimeout"/>; the thread waits, so async callers should use
    /// <see cref="GetRingWithAsync"/> (the <c>DecryptAsync</c> extensions do).
    /// </remarks>
    public KeyRing GetRingWith(int version)
    {
        var ring = Current;
        if (ring.TryGetKey(version, out _) || !ShouldReloadFor(version))
        {
            return ring;
        }

        // On the thread pool, never inline on a captured context; the wait is bounded.
        var reload = ReloadForAsync(version, CancellationToken.None);
        if (!reload.Wait(_options.UnknownVersionWaitTimeout))
        {
            KeyRingLog.UnknownVersionWaitTimedOut(_logger, version, _options.UnknownVersionWaitTimeout);
        }

        return Current;
    }

    /// <summary>
    /// As <see cref="GetRingWith"/>, without blocking a thread: a version this snapshot lacks joins the one reload in
    /// flight (every concurrent caller shares its result), and a reload that began before this call is followed by one
    /// more, so a version saved before the call is always found. A version the store was found not to have is not
    /// looked for again within <see cref="KeyRingOptions.UnknownVersionReloadInterval"/>.
    /// </summary>
    /// <param name="version">The version a ciphertext names.</param>
    /// <param name="cancellationToken">Stops waiting (the shared reload goes on for the others).</param>
    /// <returns>The snapshot to use, which lacks the version only when the store does not have it.</returns>
    public ValueTask<KeyRing> GetRingWithAsync(int version, CancellationToken cancellationToken = default)
    {
        var ring = Current;
        return ring.TryGetKey(version, out _) || !ShouldReloadFor(version)
            ? new ValueTask<KeyRing>(ring)
            : new ValueTask<KeyRing>(ReloadForAsync(version, cancellationToken));
    }

    /// <summary>Whether a version missing from the snapshot may be in the store: not when the store was just found without it.</summary>
    private bool ShouldReloadFor(int version)
    {
        if (!_store.CanSave || version <= 0)
        {
            return false;
        }

        if (_missingVersions.TryGetValue(version, out long checkedAt))
        {
            if (_timeProvider.GetElapsedTime(checkedAt) < _options.UnknownVersionReloadInterval)
            {
                return false;
            }

            _missingVersions.TryRemove(version, out _);
        }

        return true;
    }

    private async Task<KeyRing> ReloadForAsync(int version, CancellationToken cancellationToken)
    {
        long arrived = Interlocked.Read(ref _reloadsStarted);
        while (true)
        {
            var (reload, generation) = JoinOrStartReload(version);
            await reload.WaitAsync(cancellationToken).ConfigureAwait(false);
            var ring = Current;
            if (ring.TryGetKey(version, out _))
            {
                return ring;
            }

            if (generation > arrived)
            {
                // A reload that began after this call did not find it: the store does not have it (yet).
                if (_missingVersions.Count >= MaxRememberedMissingVersions)
                {
                    _missingVersions.Clear();
                }

                _missingVersions[version] = _timeProvider.GetTimestamp();
                return ring;
            }

            // The shared reload began before this call and may have missed a version saved since: one more.
        }
    }

    /// <summary>The reload in flight, or a new one; with its generation (reloads are numbered from 1).</summary>
    private (Task Reload, long Generation) JoinOrStartReload(int version)
    {
        lock (_reloadGate)
        {
            if (_reload is { IsCompleted: false } inFlight)
            {
                return (inFlight, Interlocked.Read(ref _reloadsStarted));
            }

            long generation = Interlocked.Increment(ref _reloadsStarted);
            KeyRingLog.UnknownVersionSeen(_logger, version);
            _reload = Task.Run(async () =>
            {
                try
                {
                    await RefreshAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // The callers get the last good snapshot; the failure is the store's, so it is logged, not thrown into a request.
                    KeyRingLog.RefreshFailed(_logger, ex, Volatile.Read(ref _current)?.Revision ?? 0);
                }
            });
            return (_reload, generation);
        }
    }

    /// <summary>
    /// Rotates: creates version (highest + 1) with a fresh 256-bit key, makes it active, demotes the previous active
    /// version to <see cref="KeyState.DecryptOnly"/> and appends the event, all saved in one atomic step. If another host
    /// changed the ring meanwhile, the rotation is replayed on the newer ring, so both rotations are kept.
    /// </summary>
    /// <param name="rotatedBy">Who rotates (recorded in the audit trail).</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>The rotation event.</returns>
    /// <exception cref="NotSupportedException">The store is read-only (a static ring from options).</exception>
    /// <exception cref="KeyRingConcurrencyException">
    /// Only with a store that cannot lock (not <see cref="ILockingKeyRingStore"/>): other hosts kept changing the ring
    /// through 10 jittered retries. The file store and the EF Core store lock, so a rotation through them waits instead.
    /// </exception>
    public async Task<KeyRotationEvent> RotateAsync(string rotatedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rotatedBy);
        var ring = await UpdateAsync(
            current =>
            {
                var now = Now();
                int version = checked(current.LatestVersion + 1);
                var history = current.History.Append(new KeyRingEvent(KeyRingEventKind.Rotated, version, now, rotatedBy));
                if (_options.ActivationDelay > TimeSpan.Zero)
                {
                    // Known to every host (decrypts) from the next refresh on; encrypts from the same moment everywhere.
                    var pending = EnvelopeKey.GeneratePending(version, now, now + _options.ActivationDelay);
                    return new KeyRing(current.Keys.Append(pending), history, current.IndexKeys);
                }

                var keys = current.Keys
                    .Select(k => k.State == KeyState.Active ? k.WithState(KeyState.DecryptOnly) : k)
                    .Append(EnvelopeKey.Generate(version, KeyState.Active, now));
                return new KeyRing(keys, history, current.IndexKeys);
            },
            cancellationToken).ConfigureAwait(false);
        var rotated = ring.History[^1];
        KeyRingLog.Rotated(_logger, rotated.Version, rotated.By);
        return new KeyRotationEvent(rotated.Version, rotated.At, rotated.By);
    }

    /// <summary>
    /// Seals the ring anew under the protectors configured now (<c>ProtectKeysWith…</c>), with an audit event and no key
    /// changed: after adding an HSM or KMS protector, or removing the root key from the configuration, this moves the
    /// stored document at once instead of at the next rotation. The configuration must still open the document as it is
    /// (keep the old protector until this has run, then remove it).
    /// </summary>
    /// <param name="by">Who re-protects (recorded in the audit trail).</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the document is saved.</returns>
    /// <exception cref="NotSupportedException">The store is read-only (a static ring from options).</exception>
    public async Task ReprotectAsync(string by, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        var ring = await UpdateAsync(
            current => new KeyRing(
                current.Keys,
                current.History.Append(new KeyRingEvent(KeyRingEventKind.Reprotected, current.ActiveVersion, Now(), by)),
                current.IndexKeys),
            cancellationToken).ConfigureAwait(false);
        KeyRingLog.StateChanged(_logger, ring.ActiveVersion, ring.ActiveKey.State, by);
    }

    /// <summary>
    /// Adds a new blind index key version (the first, when the ring has none), audited as
    /// <see cref="KeyRingEventKind.IndexKeyRotated"/>. New indexes are computed under it from the next save on; lookups ask
    /// for every index key version in the ring, so they keep working while a backfill moves the stored indexes
    /// (<c>BackfillBlindIndexAsync</c> in the EF Core package). Data keys are not touched, and rotating them never touches this.
    /// </summary>
    /// <param name="rotatedBy">Who rotates (recorded in the audit trail).</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>The rotation event, with the new index key version.</returns>
    /// <exception cref="NotSupportedException">The store is read-only (a static ring from options).</exception>
    public async Task<KeyRotationEvent> RotateIndexKeyAsync(string rotatedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rotatedBy);
        var ring = await UpdateAsync(
            current =>
            {
                var now = Now();
                int version = checked((current.ActiveIndexKey?.Version ?? 0) + 1);
                var indexKeys = current.IndexKeys.Select(k => k.WithState(KeyState.DecryptOnly)).Append(EnvelopeKey.Generate(version, KeyState.Active, now));
                return current.WithIndexKeys(indexKeys, new KeyRingEvent(KeyRingEventKind.IndexKeyRotated, version, now, rotatedBy));
            },
            cancellationToken).ConfigureAwait(false);
        var rotated = ring.History[^1];
        KeyRingLog.IndexKeyRotated(_logger, rotated.Version, rotated.By);
        return new KeyRotationEvent(rotated.Version, rotated.At, rotated.By);
    }

    /// <summary>
    /// Removes an old blind index key version, audited as <see cref="KeyRingEventKind.IndexKeyRetired"/>. Without
    /// <paramref name="force"/> it is refused unless <paramref name="inventory"/> (from <c>GetBlindIndexUsageAsync</c> over
    /// every blind index column) shows no index left under the version and nothing unreadable. Never the newest version.
    /// </summary>
    /// <param name="version">The index key version.</param>
    /// <param name="by">Who retires it.</param>
    /// <param name="inventory">Counts of stored indexes by index key version, taken after the backfill.</param>
    /// <param name="force">Remove it even if indexes still use it: lookups no longer find those rows until they are backfilled.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="KeyDestructionRefusedException">The inventory does not show the version unused; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The version is the newest or not in the ring.</exception>
    public async Task RetireIndexKeyAsync(
        int version,
        string by,
        KeyUsageInventory? inventory,
        bool force = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        await UpdateAsync(
            current =>
            {
                if (!current.TryGetIndexKey(version, out _))
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The key ring has no index key version {version}."));
                }

                if (current.ActiveIndexKey!.Version == version)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Index key version {version} computes new indexes; "
                        + $"rotate the index key first."));
                }

                string? refusal = force ? null
                    : inventory is null ? "no blind index inventory was given to show it is unused (pass one, or force)"
                    : inventory.Malformed > 0 ? string.Create(CultureInfo.InvariantCulture, $"the inventory holds {inventory.Malformed} unreadable indexes, "
                        + $"so it cannot show the version unused")
                    : inventory.CountOf(version) > 0 ? string.Create(CultureInfo.InvariantCulture, $"the inventory shows {inventory.CountOf(version)} "
                        + $"indexes under it; backfill them first (or force)")
                    : null;
                if (refusal is not null)
                {
                    throw new KeyDestructionRefusedException(string.Create(CultureInfo.InvariantCulture, $"Index key version {version} was not retired: "
                        + $"{refusal}."));
                }

                var retired = new KeyRingEvent(KeyRingEventKind.IndexKeyRetired, version, Now(), by);
                return current.WithIndexKeys(current.IndexKeys.Where(k => k.Version != version), retired);
            },
            cancellationToken).ConfigureAwait(false);
        KeyRingLog.IndexKeyRetired(_logger, version, by);
    }

    /// <summary>Retires a version: decryption under it is refused until it is reinstated. Never the active version.</summary>
    /// <param name="version">The version.</param>
    /// <param name="by">Who retires it.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="InvalidOperationException">The version is active, destroyed or unknown.</exception>
    public Task RetireAsync(int version, string by, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(version, by, KeyState.Retired, KeyRingEventKind.Retired, static (key, _) => key.State switch
        {
            KeyState.Active => Refusal.State("it is the active version; rotate first"),
            KeyState.Destroyed => Refusal.State("it was destroyed"),
            _ => null,
        }, inventory: null, cancellationToken);

    /// <summary>Reinstates a retired version: it decrypts again.</summary>
    /// <param name="version">The version.</param>
    /// <param name="by">Who reinstates it.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="InvalidOperationException">The version is not retired.</exception>
    public Task ReinstateAsync(int version, string by, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(version, by, KeyState.DecryptOnly, KeyRingEventKind.Reinstated, static (key, _) =>
            key.State is KeyState.Retired or KeyState.DecryptOnly ? null : Refusal.State($"it is {key.State}, not "
                + $"retired"), inventory: null, cancellationToken);

    /// <summary>
    /// Destroys a version's key material for good. Without <paramref name="force"/> it is refused unless
    /// <paramref name="inventory"/> is complete evidence that nothing needs the version: it must have scanned at least one
    /// ciphertext, hold no legacy or malformed entries (those may need any version), and count none under the version.
    /// Never the active version.
    /// </summary>
    /// <param name="version">The version.</param>
    /// <param name="by">Who destroys it.</param>
    /// <param name="inventory">A key-usage inventory of every stored ciphertext, taken after re-encryption.</param>
    /// <param name="force">Destroy even if ciphertexts may still use the version: they become unreadable.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="KeyDestructionRefusedException">The inventory does not show the version unused; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The version is active or not in the ring.</exception>
    public Task DestroyAsync(int version, string by, KeyUsageInventory? inventory, bool force = false, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(version, by, KeyState.Destroyed, KeyRingEventKind.Destroyed, (key, inv) =>
        {
            if (key.State == KeyState.Active)
            {
                return Refusal.State("it is the active version; rotate first");
            }

            string? missing = force || key.State == KeyState.Destroyed ? null
                : inv is null ? "no key-usage inventory was given to show it is unused (pass one, or force)"
                : inv.Total == 0 ? "the inventory scanned no ciphertext, which proves nothing (was the input empty?)"
                : inv.Legacy > 0 ? string.Create(CultureInfo.InvariantCulture, $"the inventory holds {inv.Legacy} legacy ciphertexts, which may need any "
                    + $"version; re-encrypt them first (or force)")
                : inv.Malformed > 0 ? string.Create(CultureInfo.InvariantCulture, $"the inventory holds {inv.Malformed} unreadable entries, so it cannot "
                    + $"show the version unused")
                : inv.CountOf(key.Version) > 0 ? string.Create(CultureInfo.InvariantCulture, $"the inventory shows {inv.CountOf(key.Version)} ciphertexts "
                    + $"under it; re-encrypt them first (or force)")
                : null;
            return missing is null ? null : Refusal.Evidence(missing);
        }, inventory, cancellationToken);

    /// <summary>The rotations of the current ring, oldest first: the <c>keyRotationHistory</c> entries.</summary>
    /// <returns>The rotation history.</returns>
    public IReadOnlyList<KeyRotationEvent> GetRotationHistory() =>
        [.. Current.History.Where(e => e.Kind == KeyRingEventKind.Rotated).Select(e => new KeyRotationEvent(e.Version, e.At, e.By))];

    /// <summary>Stops the periodic refresh.</summary>
    public void Dispose()
    {
        _refreshTimer?.Dispose();
        _changeWatch?.Dispose();
        _writeGate.Dispose();
    }

    private async Task<KeyRing> ChangeStateAsync(
        int version,
        string by,
        KeyState state,
        KeyRingEventKind kind,
        Func<EnvelopeKey, KeyUsageInventory?, Refusal?> refusal,
        KeyUsageInventory? inventory,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        try
        {
            var ring = await UpdateAsync(
                current =>
                {
                    if (!current.TryGetKey(version, out var key))
                    {
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Key version {version} is not in the key ring."));
                    }

                    switch (refusal(key, inventory))
                    {
                        case { MissingEvidence: true } missing:
                            throw new KeyDestructionRefusedException(version, missing.Reason);
                        case { } refused:
                            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Key version {version} cannot become {state}: "
                                + $"{refused.Reason}."));
                    }

                    return key.State == state ? current : current.With(key.WithState(state), new KeyRingEvent(kind, version, Now(), by));
                },
                cancellationToken).ConfigureAwait(false);
            KeyRingLog.StateChanged(_logger, version, state, by);
            return ring;
        }
        catch (KeyDestructionRefusedException ex)
        {
            KeyRingLog.DestroyRefused(_logger, version, ex.Reason ?? ex.Message);
            throw;
        }
    }

    /// <summary>
    /// Why a state change is refused: the key's state forbids it (<see cref="InvalidOperationException"/>), or a destroy
    /// lacks the evidence that nothing needs the version (<see cref="KeyDestructionRefusedException"/>).
    /// </summary>
    private readonly record struct Refusal(string Reason, bool MissingEvidence)
    {
        public static Refusal State(string reason) => new(reason, MissingEvidence: false);

        public static Refusal Evidence(string reason) => new(reason, MissingEvidence: true);
    }

    private async Task<KeyRing> UpdateAsync(Func<KeyRing, KeyRing> change, CancellationToken cancellationToken)
    {
        if (!_store.CanSave)
        {
            throw new NotSupportedException(
                $"The key ring store ({_store.GetType().Name}) is read-only: register one that saves (PersistKeysToFile or PersistKeysToDbContext) to change "
                    + $"the ring.");
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store is ILockingKeyRingStore locking)
            {
                return await UpdateLockedAsync(locking, change, cancellationToken).ConfigureAwait(false);
            }

            for (int attempt = 1; ; attempt++)
            {
                var stored = await _store.LoadAsync(cancellationToken).ConfigureAwait(false) ?? await CreateAsync(cancellationToken).ConfigureAwait(false);
                var next = change(stored.Ring.AsOf(_timeProvider.GetUtcNow()));
                if (ReferenceEquals(next, stored.Ring))
                {
                    Publish(stored);
                    return next;
                }

                try
                {
                    long revision = await _store.SaveAsync(next, stored.Revision, cancellationToken).ConfigureAwait(false);
                    Publish(new StoredKeyRing(next, revision));
                    return next;
                }
                catch (KeyRingConcurrencyException) when (attempt < MaxConcurrencyAttempts)
                {
                    // Another host saved first: replay the change on its ring, after a short random pause so two
                    // hosts that keep colliding fall out of step.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The change applied under the store's lock: it cannot meet another writer, so it never retries.</summary>
    private async Task<KeyRing> UpdateLockedAsync(ILockingKeyRingStore store, Func<KeyRing, KeyRing> change, CancellationToken cancellationToken)
    {
        KeyRing? result = null;
        var stored = await store.UpdateAsync(
            current =>
            {
                var ring = current?.Ring.AsOf(_timeProvider.GetUtcNow()) ?? CreateRing();
                result = change(ring);
                return current is null || !ReferenceEquals(result, current.Ring) ? result : null;
            },
            cancellationToken).ConfigureAwait(false);
        Publish(stored!);
        return result!;
    }

    private KeyRing CreateRing() => _options.CreateKeyRingIfMissing
        ? KeyRing.CreateNew(_timeProvider)
        : throw new InvalidOperationException(
            "The key ring store is empty. Create a key ring first (for example with 'envelope ring create'), or set KeyRingOptions.CreateKeyRingIfMissing.");

    private async Task<StoredKeyRing> CreateAsync(CancellationToken cancellationToken)
    {
        var ring = CreateRing();
        try
        {
            return new StoredKeyRing(ring, await _store.SaveAsync(ring, 0, cancellationToken).ConfigureAwait(false));
        }
        catch (KeyRingConcurrencyException)
        {
            // Another host created it first: use theirs.
            return await _store.LoadAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The key ring store reported a concurrent creation but holds no ring.");
        }
    }

    private StoredKeyRing LoadInitial()
    {
        lock (_loadGate)
        {
            if (Volatile.Read(ref _current) is { } loaded)
            {
                return loaded;
            }

            // Only before start-up: hosts load the ring with InitializeAsync (AddVersionedEnvelope registers a hosted service
            // that does), so after start this never runs. On the thread pool, never inline on a captured context.
            KeyRingLog.LoadedOnFirstUse(_logger);
            var stored = Task.Run(async () => await _store.LoadAsync().ConfigureAwait(false) ?? await CreateAsync(CancellationToken.None).ConfigureAwait(false))
                .GetAwaiter().GetResult();
            Publish(stored);
            return Volatile.Read(ref _current)!;
        }
    }

    /// <summary>Swaps in a snapshot unless a newer one is already published, and logs the change.</summary>
    private bool Publish(StoredKeyRing stored)
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current is not null && current.Revision >= stored.Revision)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, stored, current) == current)
            {
                if (current is null)
                {
                    KeyRingLog.Loaded(_logger, stored.Revision, stored.Ring.ActiveVersion, stored.Ring.Keys.Count);
                }
                else
                {
                    KeyRingLog.Refreshed(_logger, current.Revision, stored.Revision, stored.Ring.ActiveVersion);
                }

                return true;
            }
        }
    }

    /// <summary>
    /// Schedules a refresh. A request that arrives while one runs is not lost: the running loop refreshes once more, so
    /// a change saved after a refresh began is always read.
    /// </summary>
    private void RefreshInBackground()
    {
        Volatile.Write(ref _refreshRequested, 1);
        if (Interlocked.CompareExchange(ref _refreshing, 1, 0) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            while (true)
            {
                while (Interlocked.Exchange(ref _refreshRequested, 0) == 1)
                {
                    try
                    {
                        await RefreshAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        // Keep the last good snapshot; the next tick tries again. Said every time: a host whose root key no
                        // longer opens the ring (another host re-sealed it) must not go quiet.
                        KeyRingLog.RefreshFailed(_logger, ex, Volatile.Read(ref _current)?.Revision ?? 0);
                    }
                }

                Volatile.Write(ref _refreshing, 0);

                // A request that came between the last refresh and the release above: take the loop back, unless another did.
                if (Volatile.Read(ref _refreshRequested) == 0 || Interlocked.CompareExchange(ref _refreshing, 1, 0) == 1)
                {
                    return;
                }
            }
        });
    }

    private DateTimeOffset Now()
    {
        // Millisecond precision, as the rotation history JSON stores it, so what is saved reads back identical.
        var now = _timeProvider.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
