using VersionedEnvelope.Storage;

namespace VersionedEnvelope;

// The automatic lifecycle: use counts, rotation by policy, retirement with proof, and the status operators read. The
// hosted service calls these; each is load → rule → save → publish like every other change.
public sealed partial class KeyRingManager
{
    /// <summary>Adds the wraps this host counted since the last flush to the store's shared count, and reads every host's count.</summary>
    /// <param name="cancellationToken">Cancels before the store commits.</param>
    /// <returns>The shared counts by version; empty when the store keeps no counts (<see cref="IKeyUseStore"/>).</returns>
    /// <exception cref="KeyRingStoreException">The store refused the update; the counts are kept for the next flush.</exception>
    /// <remarks>
    /// The hosted service flushes every <see cref="KeyRingOptions.UseFlushInterval"/> and at shutdown. Counts are taken
    /// out before the update and put back only when it fails, so a wrap is never counted twice; a host killed before its
    /// flush leaves the shared count behind by what it counted since (hence the limit's default of a quarter of the bound).
    /// </remarks>
    public async Task<IReadOnlyDictionary<int, long>> FlushUsesAsync(CancellationToken cancellationToken = default)
    {
        if (_useStore is null)
        {
            return _sharedUses;
        }

        var taken = UseCounter!.Take();
        try
        {
            var shared = taken.Count == 0
                ? await _useStore.LoadUsesAsync(cancellationToken).ConfigureAwait(false)
                : await _useStore.AddUsesAsync(taken, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _sharedUses, shared);
            return shared;
        }
        catch (Exception ex)
        {
            UseCounter.Return(taken);
            KeyRingLog.UseFlushFailed(_logger, ex, taken.Values.Sum());
            throw;
        }
    }

    /// <summary>
    /// Rotates if the policy says it is time: by use (90% of <see cref="KeyRingOptions.MaxDataKeysPerVersion"/>) or by
    /// age (<see cref="KeyRingOptions.RotationPeriod"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels before the save commits.</param>
    /// <returns>
    /// The rotation (<c>rotatedBy</c> is <c>auto:use</c> or <c>auto:age</c>), or <see langword="null"/> when none was due
    /// or another host made it first.
    /// </returns>
    /// <remarks>
    /// Judged on the ring as the store holds it, under the store's concurrency, so hosts that wake together make one
    /// rotation. Uses the counts of the last <see cref="FlushUsesAsync"/>. The hosted service calls it when a rotation
    /// is due and after each flush.
    /// </remarks>
    public async Task<KeyRotationEvent?> RotateIfDueAsync(CancellationToken cancellationToken = default)
    {
        var uses = Volatile.Read(ref _sharedUses);
        var previous = Current;
        if (KeyRingRules.DueReason(previous, _policy, uses, Now()) is null)
        {
            return null;
        }

        KeyRingChange applied = default;
        var stored = await _writer.ApplyAsync(ring => applied = KeyRingRules.RotateIfDue(ring, _policy, uses, Now()), cancellationToken).ConfigureAwait(false);
        _cache.Publish(stored);
        if (applied.Event is not { } rotated)
        {
            return null;
        }

        var created = applied.Ring!.Keys[^1];
        long used = uses.GetValueOrDefault(previous.ActiveVersion);
        KeyRingLog.RotatedAutomatically(_logger, rotated.By, rotated.Version, created.ActivatesAt ?? created.CreatedAt, used, previous.ActiveVersion);
        return new KeyRotationEvent(rotated.Version, rotated.At, rotated.By);
    }

    /// <summary>
    /// Takes an inventory from every source and retires each version it proves unused (<c>by = "auto:unused"</c>, the
    /// inventory as evidence).
    /// </summary>
    /// <param name="sources">Where ciphertexts are stored; the hosted service passes every registered <see cref="IKeyUsageSource"/>.</param>
    /// <param name="cancellationToken">Cancels the inventory or the save.</param>
    /// <returns>The versions retired.</returns>
    /// <exception cref="ArgumentException">No source was given: nothing could prove a version unused.</exception>
    /// <remarks>
    /// Only versions that are neither active nor pending, once every host has stopped encrypting with them (a
    /// <see cref="KeyRingOptions.RefreshInterval"/> after the switch, or a minute when an activation delay made every
    /// host switch at the same moment), and only when the inventory holds no legacy or unreadable entry.
    /// Retiring can be undone with <see cref="ReinstateAsync"/>; nothing here destroys.
    /// </remarks>
    public async Task<IReadOnlyList<int>> RetireUnusedAsync(IEnumerable<IKeyUsageSource> sources, CancellationToken cancellationToken = default)
    {
        var candidates = Current.Keys.Where(k => k.State == KeyState.DecryptOnly).Select(k => k.Version).ToList();
        var inventory = await KeyUsageInventory.CollectAsync(sources, _timeProvider, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _lastInventory, inventory);
        var retired = new List<int>();
        foreach (int version in candidates)
        {
            if (KeyRingRules.RetirementBlocker(Current, version, inventory, _policy, Now()) is { } blocker)
            {
                KeyRingLog.RetirementBlocked(_logger, version, blocker);
                continue;
            }

            try
            {
                var evidence = await ApplyAsync(ring => KeyRingRules.RetireUnused(ring, version, inventory, _policy, Now()), cancellationToken)
                    .ConfigureAwait(false);
                KeyRingLog.RetiredAutomatically(_logger, version, evidence.Evidence ?? "");
                retired.Add(version);
            }
            catch (InvalidOperationException ex)
            {
                // Another host changed the version meanwhile (retired or reinstated it): its decision stands.
                KeyRingLog.RetirementBlocked(_logger, version, ex.Message);
            }
        }

        return retired;
    }

    /// <summary>The ring's lifecycle status: each version's age, use against the limit and retirement blocker, and the next rotation.</summary>
    /// <param name="cancellationToken">Cancels reading the shared counts.</param>
    /// <returns>The status, with the store's shared counts read now plus this host's unflushed wraps.</returns>
    public async Task<KeyRingStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var shared = _useStore is null ? _sharedUses : await _useStore.LoadUsesAsync(cancellationToken).ConfigureAwait(false);
        var local = UseCounter?.Peek() ?? new Dictionary<int, long>();
        var snapshot = _cache.Snapshot();
        var ring = snapshot.Ring;
        var now = _timeProvider.GetUtcNow();
        var inventory = Volatile.Read(ref _lastInventory);
        return new KeyRingStatus
        {
            At = now,
            Revision = snapshot.Revision,
            ActiveVersion = ring.ActiveVersion,
            MinDecryptionVersion = ring.MinDecryptionVersion,
            NextRotationAt = KeyRingRules.NextRotationAt(ring, _policy),
            MaxDataKeysPerVersion = _options.MaxDataKeysPerVersion,
            CountsUses = _useStore is not null,
            LastInventoryAt = inventory?.TakenAt,
            Versions = [.. ring.Keys.Select(k => new KeyVersionStatus
            {
                Version = k.Version,
                State = k.State,
                CreatedAt = k.CreatedAt,
                ActivatesAt = k.ActivatesAt,
                Age = now > k.CreatedAt ? now - k.CreatedAt : TimeSpan.Zero,
                Uses = KeyUseCountsSum(shared, local, k.Version),
                RetirementBlockedBy = RetirementBlocker(ring, k, inventory, now),
            })],
        };
    }

    private static long KeyUseCountsSum(IReadOnlyDictionary<int, long> shared, IReadOnlyDictionary<int, long> local, int version) =>
        KeyUseCounts.Add(shared.GetValueOrDefault(version), local.GetValueOrDefault(version));

    private string? RetirementBlocker(KeyRing ring, EnvelopeKey key, KeyUsageInventory? inventory, DateTimeOffset now) => key.State switch
    {
        KeyState.Retired or KeyState.Destroyed => null,
        KeyState.DecryptOnly when !_options.RetireWhenUnused => "automatic retirement is off (KeyRingOptions.RetireWhenUnused)",
        KeyState.DecryptOnly when inventory is null => "no inventory taken yet",
        _ => KeyRingRules.RetirementBlocker(ring, key.Version, inventory, _policy, now),
    };
}
