namespace VersionedEnvelope;

/// <summary>
/// What a lifecycle rule decided: the new ring with the event that records it, the same ring when nothing had to change,
/// or a refusal. Made by <see cref="KeyRingRules"/>; carries no store, lock or clock.
/// </summary>
internal readonly record struct KeyRingChange
{
    private KeyRingChange(KeyRing? ring, KeyRingEvent? keyRingEvent, KeyRingRefusal? refusal)
    {
        Ring = ring;
        Event = keyRingEvent;
        Refusal = refusal;
    }

    /// <summary>The ring after the change (the input itself when nothing changed); null when refused.</summary>
    public KeyRing? Ring { get; }

    /// <summary>The audit event of the change; null when nothing changed or it was refused.</summary>
    public KeyRingEvent? Event { get; }

    /// <summary>Why the change was refused; null when it was accepted.</summary>
    public KeyRingRefusal? Refusal { get; }

    public static KeyRingChange Changed(KeyRing ring) => new(ring, ring.History[^1], null);

    public static KeyRingChange Unchanged(KeyRing ring) => new(ring, null, null);

    public static KeyRingChange Refused(KeyRingRefusal refusal) => new(null, null, refusal);

    /// <summary>The new ring, or the refusal thrown as the exception the manager's callers expect.</summary>
    public KeyRing RingOrThrow() => Refusal is { } refusal ? throw refusal.ToException() : Ring!;
}
