namespace VersionedEnvelope;

/// <summary>
/// Every lifecycle change of a key ring, as pure functions: a ring, the request and the time in; the new ring with its
/// audit event, the same ring, or a refusal out.
/// </summary>
/// <remarks>
/// Nothing here reads a clock, takes a lock or touches a store, so each rule is tested on rings built in the test and
/// <see cref="KeyRingManager"/> only loads, applies, saves and publishes.
/// </remarks>
internal static class KeyRingRules
{
    /// <summary>A new version (highest + 1) with a fresh key.</summary>
    /// <remarks>
    /// Without an activation delay it is active at once and the previous active version only decrypts; with one it is
    /// <see cref="KeyState.Pending"/> until <c>now + delay</c>, so every host knows it before any host encrypts with
    /// it.
    /// </remarks>
    public static KeyRingChange Rotate(KeyRing ring, string by, DateTimeOffset now, TimeSpan activationDelay)
    {
        int version = checked(ring.LatestVersion + 1);
        var history = ring.History.Append(new KeyRingEvent(KeyRingEventKind.Rotated, version, now, by));
        if (activationDelay > TimeSpan.Zero)
        {
            var pending = EnvelopeKey.GeneratePending(version, now, now + activationDelay);
            return KeyRingChange.Changed(new KeyRing(ring.Keys.Append(pending), history, ring.IndexKeys));
        }

        var keys = ring.Keys
            .Select(k => k.State == KeyState.Active ? k.WithState(KeyState.DecryptOnly) : k)
            .Append(EnvelopeKey.Generate(version, KeyState.Active, now));
        return KeyRingChange.Changed(new KeyRing(keys, history, ring.IndexKeys));
    }

    /// <summary>
    /// The version that encrypts now or will next: a pending version newer than the active one (its successor already
    /// exists), else the active one. Rotation by age counts from its start, rotation by use from its wraps.
    /// </summary>
    public static EnvelopeKey Newest(KeyRing ring) =>
        ring.Keys[^1] is { State: KeyState.Pending } pending && pending.Version > ring.ActiveVersion ? pending : ring.ActiveKey;

    /// <summary>
    /// When the next rotation by age is due: the newest version's start (activation, or creation) plus the period, less the
    /// activation delay so the successor is pending everywhere before it is needed. Null when rotation by age is off.
    /// </summary>
    public static DateTimeOffset? NextRotationAt(KeyRing ring, KeyRingPolicy policy)
    {
        if (policy.RotationPeriod <= TimeSpan.Zero)
        {
            return null;
        }

        return StartOf(ring, Newest(ring), policy) + policy.RotationPeriod - policy.ActivationDelay;
    }

    /// <summary>When a version started (or starts) to encrypt.</summary>
    /// <remarks>
    /// Its activation time while pending; once active, a version a rotation created started an activation delay after
    /// its creation (the key keeps no activation time after it), and the ring's first version at its creation.
    /// </remarks>
    private static DateTimeOffset StartOf(KeyRing ring, EnvelopeKey key, KeyRingPolicy policy) =>
        key.ActivatesAt
        ?? (ring.History.Any(e => e.Kind == KeyRingEventKind.Rotated && e.Version == key.Version) ? key.CreatedAt + policy.ActivationDelay : key.CreatedAt);

    /// <summary>Why the ring should rotate now (<c>auto:use</c> before <c>auto:age</c>), or null when it should not.</summary>
    public static string? DueReason(KeyRing ring, KeyRingPolicy policy, IReadOnlyDictionary<int, long> uses, DateTimeOffset now)
    {
        var newest = Newest(ring);
        if (newest.State == KeyState.Active && uses.GetValueOrDefault(newest.Version) >= policy.UseThreshold)
        {
            return KeyRingPolicy.ByUse;
        }

        // A clock that jumped back makes the due time later, never a second rotation.
        return NextRotationAt(ring, policy) is { } due && now >= due ? KeyRingPolicy.ByAge : null;
    }

    /// <summary>
    /// Rotates when the policy says so, judged on the ring as stored now: a host whose ring already has the successor
    /// another host created finds nothing due, so hosts that wake together make one rotation.
    /// </summary>
    public static KeyRingChange RotateIfDue(KeyRing ring, KeyRingPolicy policy, IReadOnlyDictionary<int, long> uses, DateTimeOffset now) =>
        DueReason(ring, policy, uses, now) is { } reason ? Rotate(ring, reason, now, policy.ActivationDelay) : KeyRingChange.Unchanged(ring);

    /// <summary>
    /// Why a version may not be retired automatically, or null when it may: it is neither active nor pending, it has
    /// stopped encrypting on every host for a quiet period, and the inventory proves no ciphertext uses it.
    /// </summary>
    public static string? RetirementBlocker(KeyRing ring, int version, KeyUsageInventory? inventory, KeyRingPolicy policy, DateTimeOffset now)
    {
        if (!ring.TryGetKey(version, out var key))
        {
            return "not in the key ring";
        }

        if (key.State != KeyState.DecryptOnly)
        {
            return key.State switch
            {
                KeyState.Active => "it is the active version",
                KeyState.Pending => "it is pending",
                _ => $"it is {key.State}",
            };
        }

        // Only the version the active one replaced can still be in use by a host that has not switched yet.
        var successor = ring.ActiveKey;
        bool replacedLast = ring.Keys.Where(k => k.Version < successor.Version).Max(k => k.Version) == version;
        if (replacedLast && now - StartOf(ring, successor, policy) < policy.RetirementQuietPeriod)
        {
            return $"hosts may still encrypt with it until every host has refreshed (version {successor.Version} became active just now)";
        }

        return EvidenceMissing(inventory, version)?.Reason;
    }

    /// <summary>Retires an unused version with the inventory as the audit entry's evidence; refused with the blocker otherwise.</summary>
    public static KeyRingChange RetireUnused(KeyRing ring, int version, KeyUsageInventory? inventory, KeyRingPolicy policy, DateTimeOffset now)
    {
        if (RetirementBlocker(ring, version, inventory, policy, now) is { } blocker)
        {
            return KeyRingChange.Refused(KeyRingRefusal.Forbidden(version, $"Key version {version} was not retired: {blocker}."));
        }

        var retired = new KeyRingEvent(KeyRingEventKind.Retired, version, now, KeyRingPolicy.Unused) { Evidence = inventory!.Describe(version) };
        return KeyRingChange.Changed(ring.With(ring.Keys.First(k => k.Version == version).WithState(KeyState.Retired), retired));
    }

    /// <summary>No key changes; the event records that the ring was sealed anew under the protectors configured now.</summary>
    public static KeyRingChange Reprotect(KeyRing ring, string by, DateTimeOffset now) => KeyRingChange.Changed(new KeyRing(
        ring.Keys, ring.History.Append(new KeyRingEvent(KeyRingEventKind.Reprotected, ring.ActiveVersion, now, by)), ring.IndexKeys));

    /// <summary>A new blind index key version; the previous ones stay for lookups until they are retired.</summary>
    public static KeyRingChange RotateIndexKey(KeyRing ring, string by, DateTimeOffset now)
    {
        int version = checked((ring.ActiveIndexKey?.Version ?? 0) + 1);
        var indexKeys = ring.IndexKeys.Select(k => k.WithState(KeyState.DecryptOnly)).Append(EnvelopeKey.Generate(version, KeyState.Active, now));
        return KeyRingChange.Changed(ring.WithIndexKeys(indexKeys, new KeyRingEvent(KeyRingEventKind.IndexKeyRotated, version, now, by)));
    }

    /// <summary>Removes an old index key version; without <paramref name="force"/>, only with an inventory that shows it unused.</summary>
    public static KeyRingChange RetireIndexKey(KeyRing ring, int version, string by, KeyUsageInventory? inventory, bool force, DateTimeOffset now)
    {
        if (!ring.TryGetIndexKey(version, out _))
        {
            return KeyRingChange.Refused(KeyRingRefusal.Forbidden(version, $"The key ring has no index key version {version}."));
        }

        if (ring.ActiveIndexKey!.Version == version)
        {
            return KeyRingChange.Refused(KeyRingRefusal.Forbidden(
                version, $"Index key version {version} computes new indexes; rotate the index key first."));
        }

        if (!force && IndexEvidenceMissing(inventory, version) is { } missing)
        {
            return KeyRingChange.Refused(missing);
        }

        var retired = new KeyRingEvent(KeyRingEventKind.IndexKeyRetired, version, now, by);
        return KeyRingChange.Changed(ring.WithIndexKeys(ring.IndexKeys.Where(k => k.Version != version), retired));
    }

    /// <summary>Decryption under the version is refused until it is reinstated. Never the active version.</summary>
    public static KeyRingChange Retire(KeyRing ring, int version, string by, DateTimeOffset now) =>
        ChangeState(ring, version, by, now, KeyState.Retired, KeyRingEventKind.Retired, key => key.State switch
        {
            KeyState.Active => "it is the active version; rotate first",
            KeyState.Destroyed => "it was destroyed",
            _ => null,
        });

    /// <summary>A retired version decrypts again.</summary>
    public static KeyRingChange Reinstate(KeyRing ring, int version, string by, DateTimeOffset now) =>
        ChangeState(ring, version, by, now, KeyState.DecryptOnly, KeyRingEventKind.Reinstated, key =>
            key.State is KeyState.Retired or KeyState.DecryptOnly ? null : $"it is {key.State}, not retired");

    /// <summary>
    /// The version's key material is gone for good. Never the active version; without <paramref name="force"/>, only with
    /// an inventory that scanned something, holds nothing legacy or unreadable, and counts nothing under the version.
    /// </summary>
    public static KeyRingChange Destroy(KeyRing ring, int version, string by, KeyUsageInventory? inventory, bool force, DateTimeOffset now)
    {
        if (ring.TryGetKey(version, out var key) && key.State is not (KeyState.Active or KeyState.Destroyed) && !force
            && EvidenceMissing(inventory, version) is { } missing)
        {
            return KeyRingChange.Refused(missing);
        }

        return ChangeState(ring, version, by, now, KeyState.Destroyed, KeyRingEventKind.Destroyed, key =>
            key.State == KeyState.Active ? "it is the active version; rotate first" : null, force ? "forced" : inventory?.Describe(version));
    }

    private static KeyRingChange ChangeState(
        KeyRing ring, int version, string by, DateTimeOffset now, KeyState state, KeyRingEventKind kind, Func<EnvelopeKey, string?> forbidden,
        string? evidence = null)
    {
        if (!ring.TryGetKey(version, out var key))
        {
            return KeyRingChange.Refused(KeyRingRefusal.Forbidden(version, $"Key version {version} is not in the key ring."));
        }

        if (forbidden(key) is { } reason)
        {
            return KeyRingChange.Refused(KeyRingRefusal.Forbidden(version, $"Key version {version} cannot become {state}: {reason}."));
        }

        return key.State == state
            ? KeyRingChange.Unchanged(ring)
            : KeyRingChange.Changed(ring.With(key.WithState(state), new KeyRingEvent(kind, version, now, by) { Evidence = evidence }));
    }

    private static KeyRingRefusal? EvidenceMissing(KeyUsageInventory? inventory, int version) => inventory switch
    {
        null => KeyRingRefusal.MissingEvidence(version, $"no key-usage inventory was given to show it is unused (pass one, or force)"),
        { Total: 0 } => KeyRingRefusal.MissingEvidence(version, $"the inventory scanned no ciphertext, which proves nothing (was the input empty?)"),
        { Legacy: > 0 } => KeyRingRefusal.MissingEvidence(
            version, $"the inventory holds {inventory.Legacy} legacy ciphertexts, which may need any version; re-encrypt them first (or force)"),
        { Malformed: > 0 } => KeyRingRefusal.MissingEvidence(
            version, $"the inventory holds {inventory.Malformed} unreadable entries, so it cannot show the version unused"),
        _ when inventory.CountOf(version) > 0 => KeyRingRefusal.MissingEvidence(
            version, $"the inventory shows {inventory.CountOf(version)} ciphertexts under it; re-encrypt them first (or force)"),
        _ => null,
    };

    private static KeyRingRefusal? IndexEvidenceMissing(KeyUsageInventory? inventory, int version) => inventory switch
    {
        null => KeyRingRefusal.MissingIndexEvidence(version, $"no blind index inventory was given to show it is unused (pass one, or force)"),
        { Malformed: > 0 } => KeyRingRefusal.MissingIndexEvidence(
            version, $"the inventory holds {inventory.Malformed} unreadable indexes, so it cannot show the version unused"),
        _ when inventory.CountOf(version) > 0 => KeyRingRefusal.MissingIndexEvidence(
            version, $"the inventory shows {inventory.CountOf(version)} indexes under it; backfill them first (or force)"),
        _ => null,
    };
}
