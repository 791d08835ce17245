using System.Globalization;
using VersionedEnvelope.Keys;
using VersionedEnvelope.Reencryption;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope.Rotation;

/// <summary>
/// Owns the key ring of one host: loads it from an <see cref="IKeyRingStore"/>, gives the encryptor the current
/// snapshot without locks, rotates, retires, reinstates and destroys versions (each change persisted atomically with
/// its audit event, under optimistic concurrency), and refreshes periodically so versions created by other hosts are
/// picked up.
/// </summary>
public sealed class KeyRingManager : IKeyRingProvider, IDisposable
{
    private const int MaxConcurrencyAttempts = 10;
    private readonly IKeyRingStore _store;
    private readonly VersionedEnvelopeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly object _loadGate = new();
    private readonly ITimer? _refreshTimer;
    private StoredKeyRing? _current;
    private long _lastUnknownVersionReload = long.MinValue;
    private int _refreshing;

    /// <summary>Creates a manager over a store.</summary>
    /// <param name="store">Where the ring lives.</param>
    /// <param name="options">Refresh and creation settings; defaults when omitted.</param>
    /// <param name="timeProvider">The clock for events and refresh; <see cref="TimeProvider.System"/> when omitted.</param>
    public KeyRingManager(IKeyRingStore store, VersionedEnvelopeOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new VersionedEnvelopeOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        if (store.CanSave && _options.RefreshInterval > TimeSpan.Zero)
        {
            _refreshTimer = _timeProvider.CreateTimer(static state => ((KeyRingManager)state!).RefreshInBackground(), this, _options.RefreshInterval, _options.RefreshInterval);
        }
    }

    /// <summary>The current snapshot; the first read loads the ring (use <see cref="InitializeAsync"/> to load it up front).</summary>
    /// <exception cref="InvalidOperationException">The store is empty and <see cref="VersionedEnvelopeOptions.CreateKeyRingIfMissing"/> is off.</exception>
    public KeyRing Current => (Volatile.Read(ref _current) ?? LoadInitial()).Ring;

    /// <summary>The store revision of <see cref="Current"/>.</summary>
    public long Revision => (Volatile.Read(ref _current) ?? LoadInitial()).Revision;

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

    /// <summary>Reloads the ring from the store and swaps the snapshot if it changed.</summary>
    /// <param name="cancellationToken">Cancels the reload.</param>
    /// <returns><see langword="true"/> when a newer revision was found.</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        var stored = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        return stored is not null && Publish(stored);
    }

    /// <inheritdoc />
    public KeyRing GetRingWith(int version)
    {
        var ring = Current;
        if (ring.TryGetKey(version, out _) || !_store.CanSave)
        {
            return ring;
        }

        long now = _timeProvider.GetTimestamp();
        long last = Interlocked.Read(ref _lastUnknownVersionReload);
        bool due = last == long.MinValue || _timeProvider.GetElapsedTime(last, now) >= _options.UnknownVersionReloadInterval;
        if (due && Interlocked.CompareExchange(ref _lastUnknownVersionReload, now, last) == last)
        {
            var stored = _store.LoadAsync().AsTask().GetAwaiter().GetResult();
            if (stored is not null)
            {
                Publish(stored);
            }
        }

        return Current;
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
    public async Task<KeyRotationEvent> RotateAsync(string rotatedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rotatedBy);
        var ring = await UpdateAsync(
            current =>
            {
                var now = Now();
                int version = checked(current.LatestVersion + 1);
                var keys = current.Keys
                    .Select(k => k.State == KeyState.Active ? k.WithState(KeyState.DecryptOnly) : k)
                    .Append(EnvelopeKey.Generate(version, KeyState.Active, now));
                return new KeyRing(keys, current.History.Append(new KeyRingEvent(KeyRingEventKind.Rotated, version, now, rotatedBy)));
            },
            cancellationToken).ConfigureAwait(false);
        var rotated = ring.History[^1];
        return new KeyRotationEvent(rotated.Version, rotated.At, rotated.By);
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
            KeyState.Active => "it is the active version; rotate first",
            KeyState.Destroyed => "it was destroyed",
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
            key.State is KeyState.Retired or KeyState.DecryptOnly ? null : $"it is {key.State}, not retired", inventory: null, cancellationToken);

    /// <summary>
    /// Destroys a version's key material for good. Refused while <paramref name="inventory"/> shows ciphertexts under it
    /// (or when no inventory is given), unless <paramref name="force"/> is set. Never the active version.
    /// </summary>
    /// <param name="version">The version.</param>
    /// <param name="by">Who destroys it.</param>
    /// <param name="inventory">A key-usage inventory of the stored ciphertexts, taken after re-encryption.</param>
    /// <param name="force">Destroy even if ciphertexts may still use the version: they become unreadable.</param>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>A task that completes when the change is saved.</returns>
    /// <exception cref="InvalidOperationException">The version is active or still in use.</exception>
    public Task DestroyAsync(int version, string by, KeyUsageInventory? inventory, bool force = false, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(version, by, KeyState.Destroyed, KeyRingEventKind.Destroyed, (key, inv) =>
            key.State == KeyState.Active ? "it is the active version; rotate first"
            : force ? null
            : inv is null ? "no key-usage inventory was given to show it is unused (pass one, or force)"
            : inv.CountOf(key.Version) > 0 ? string.Create(CultureInfo.InvariantCulture, $"the inventory shows {inv.CountOf(key.Version)} ciphertexts under it; re-encrypt them first (or force)")
            : null, inventory, cancellationToken);

    /// <summary>The rotations of the current ring, oldest first: the <c>keyRotationHistory</c> entries.</summary>
    /// <returns>The rotation history.</returns>
    public IReadOnlyList<KeyRotationEvent> GetRotationHistory() =>
        [.. Current.History.Where(e => e.Kind == KeyRingEventKind.Rotated).Select(e => new KeyRotationEvent(e.Version, e.At, e.By))];

    /// <summary>Stops the periodic refresh.</summary>
    public void Dispose()
    {
        _refreshTimer?.Dispose();
        _writeGate.Dispose();
    }

    private Task<KeyRing> ChangeStateAsync(int version, string by, KeyState state, KeyRingEventKind kind, Func<EnvelopeKey, KeyUsageInventory?, string?> refusal, KeyUsageInventory? inventory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        return UpdateAsync(
            current =>
            {
                if (!current.TryGetKey(version, out var key))
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Key version {version} is not in the key ring."));
                }

                string? why = refusal(key, inventory);
                if (why is not null)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Key version {version} cannot become {state}: {why}."));
                }

                return key.State == state ? current : current.With(key.WithState(state), new KeyRingEvent(kind, version, Now(), by));
            },
            cancellationToken);
    }

    private async Task<KeyRing> UpdateAsync(Func<KeyRing, KeyRing> change, CancellationToken cancellationToken)
    {
        if (!_store.CanSave)
        {
            // Let the read-only store explain how to enable changes.
            await _store.SaveAsync(Current, 0, cancellationToken).ConfigureAwait(false);
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                var stored = await _store.LoadAsync(cancellationToken).ConfigureAwait(false) ?? await CreateAsync(cancellationToken).ConfigureAwait(false);
                var next = change(stored.Ring);
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

    private async Task<StoredKeyRing> CreateAsync(CancellationToken cancellationToken)
    {
        if (!_options.CreateKeyRingIfMissing)
        {
            throw new InvalidOperationException(
                "The key ring store is empty. Create a key ring first (for example with 'envelope ring create'), or set VersionedEnvelopeOptions.CreateKeyRingIfMissing.");
        }

        var ring = KeyRing.CreateNew(_timeProvider);
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

            // Stores in this library complete synchronously; hosts with remote stores call InitializeAsync at start-up.
            var stored = _store.LoadAsync().AsTask().GetAwaiter().GetResult() ?? CreateAsync(CancellationToken.None).GetAwaiter().GetResult();
            Publish(stored);
            return Volatile.Read(ref _current)!;
        }
    }

    /// <summary>Swaps in a snapshot unless a newer one is already published.</summary>
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
                return true;
            }
        }
    }

    private void RefreshInBackground()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Keep the last good snapshot; the next tick tries again.
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
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
