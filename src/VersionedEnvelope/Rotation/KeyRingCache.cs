using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using VersionedEnvelope.Storage;

namespace VersionedEnvelope;

/// <summary>The published key ring of one host.</summary>
/// <remarks>
/// The snapshot encryption reads without a lock, the one shared reload for a version this host lacks (single flight),
/// the periodic refresh and the store's change notifications (file watcher, <c>LISTEN</c>). It only reads the store;
/// <see cref="KeyRingManager"/> writes it and publishes what it saved here.
/// </remarks>
internal sealed class KeyRingCache : IDisposable
{
    // Versions the store was found without, remembered to answer bad input fast; forgotten wholesale past this many.
    private const int MaxRememberedMissingVersions = 1_024;
    private readonly IKeyRingStore _store;
    private readonly KeyRingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Func<CancellationToken, Task<StoredKeyRing>> _create;
    private readonly object _loadGate = new();
    private readonly object _reloadGate = new();
    private readonly ConcurrentDictionary<int, long> _missingVersions = new();
    private readonly ITimer? _refreshTimer;
    private readonly IDisposable? _changeWatch;
    private StoredKeyRing? _current;
    private Task? _reload;
    private long _reloadsStarted;
    private int _refreshing;
    private int _refreshRequested;

    /// <summary>A cache over a store; <paramref name="create"/> saves a first ring when the store is empty (or throws).</summary>
    public KeyRingCache(
        IKeyRingStore store, KeyRingOptions options, TimeProvider timeProvider, ILogger logger, Func<CancellationToken, Task<StoredKeyRing>> create)
    {
        _store = store;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _create = create;
        if (store.CanSave && options.RefreshInterval > TimeSpan.Zero)
        {
            var interval = options.RefreshInterval;
            _refreshTimer = timeProvider.CreateTimer(static state => ((KeyRingCache)state!).RefreshInBackground(), this, interval, interval);
        }

        if (store.CanSave && options.WatchForChanges && store is IKeyRingChangeSource changes)
        {
            // Another host's save reaches this one at once; the periodic refresh stays as the fallback.
            _changeWatch = changes.Watch(RefreshInBackground, ex => KeyRingLog.ChangeWatchFailed(_logger, ex));
        }
    }

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    /// <summary>The snapshot to use now; a pending version whose time has come is activated on the way.</summary>
    public StoredKeyRing Snapshot()
    {
        var stored = Volatile.Read(ref _current) ?? LoadInitial();
        return stored.Ring.NextActivation is { } next && next <= _timeProvider.GetUtcNow() ? Activate(stored) : stored;
    }

    public async Task<KeyRing> InitializeAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } loaded)
        {
            return loaded.Ring;
        }

        Publish(await _store.LoadAsync(cancellationToken).ConfigureAwait(false) ?? await _create(cancellationToken).ConfigureAwait(false));
        return Snapshot().Ring;
    }

    /// <summary>Reloads the ring; an older revision than the one held is refused, logged as an error and counted.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
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

    /// <summary>The snapshot, after the one bounded wait for a shared reload when it lacks the version (synchronous decrypts).</summary>
    public KeyRing GetRingWith(int version)
    {
        var ring = Snapshot().Ring;
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

        return Snapshot().Ring;
    }

    /// <summary>The snapshot, after the shared reload when it lacks the version, without blocking a thread.</summary>
    public ValueTask<KeyRing> GetRingWithAsync(int version, CancellationToken cancellationToken)
    {
        var ring = Snapshot().Ring;
        return ring.TryGetKey(version, out _) || !ShouldReloadFor(version)
            ? new ValueTask<KeyRing>(ring)
            : new ValueTask<KeyRing>(ReloadForAsync(version, cancellationToken));
    }

    /// <summary>Swaps in a snapshot unless a newer one is already published, and logs the change.</summary>
    public bool Publish(StoredKeyRing stored)
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

    public void Dispose()
    {
        _refreshTimer?.Dispose();
        _changeWatch?.Dispose();
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
            var stored = Task.Run(async () => await _store.LoadAsync().ConfigureAwait(false) ?? await _create(CancellationToken.None).ConfigureAwait(false))
                .GetAwaiter().GetResult();
            Publish(stored);
            return Volatile.Read(ref _current)!;
        }
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

    /// <summary>
    /// Joins the reload in flight; a reload that began before this call is followed by one more, so a version saved
    /// before the call is always found. A version the store was found not to have is remembered for a while.
    /// </summary>
    private async Task<KeyRing> ReloadForAsync(int version, CancellationToken cancellationToken)
    {
        long arrived = Interlocked.Read(ref _reloadsStarted);
        while (true)
        {
            var (reload, generation) = JoinOrStartReload(version);
            await reload.WaitAsync(cancellationToken).ConfigureAwait(false);
            var ring = Snapshot().Ring;
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
            _reload = Task.Run(RefreshLoggingFailureAsync);
            return (_reload, generation);
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
                    await RefreshLoggingFailureAsync().ConfigureAwait(false);
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

    /// <summary>A refresh whose failure keeps the last good snapshot and is logged every time, never thrown into a request.</summary>
    private async Task RefreshLoggingFailureAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            KeyRingLog.RefreshFailed(_logger, ex, Volatile.Read(ref _current)?.Revision ?? 0);
        }
    }
}
