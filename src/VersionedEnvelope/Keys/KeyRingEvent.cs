namespace VersionedEnvelope;

/// <summary>One entry of a key ring's audit trail. Two entries are equal when all their fields are.</summary>
public sealed class KeyRingEvent : IEquatable<KeyRingEvent>
{
    /// <summary>Creates an entry.</summary>
    /// <param name="kind">What happened.</param>
    /// <param name="version">The key version it happened to.</param>
    /// <param name="at">When, in UTC.</param>
    /// <param name="by">Who did it (a user id, an e-mail, a service name).</param>
    public KeyRingEvent(KeyRingEventKind kind, int version, DateTimeOffset at, string by)
    {
        Kind = kind;
        Version = version;
        At = at;
        By = by;
    }

    /// <summary>What happened.</summary>
    public KeyRingEventKind Kind { get; }

    /// <summary>The key version it happened to.</summary>
    public int Version { get; }

    /// <summary>When, in UTC.</summary>
    public DateTimeOffset At { get; }

    /// <summary>Who did it (a user id, an e-mail, a service name).</summary>
    public string By { get; }

    /// <summary>What a destroy or an automatic retirement was based on (inventory sources, counts, time); <see langword="null"/> on other events.</summary>
    /// <remarks>For example <c>inventory at 2026-12-07T10:00:00.000Z: Profiles.ApiKey 0 of 10000; 0 under v1</c>. Never key material.</remarks>
    public string? Evidence { get; init; }

    /// <inheritdoc/>
    public bool Equals(KeyRingEvent? other) =>
        other is not null && Kind == other.Kind && Version == other.Version && At == other.At && string.Equals(By, other.By, StringComparison.Ordinal)
        && string.Equals(Evidence, other.Evidence, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as KeyRingEvent);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Version, At, By);

    /// <summary>Describes the entry.</summary>
    /// <returns>For example <c>Rotated v3 at 2026-01-05T10:00:00.000Z by user_123</c>.</returns>
    public override string ToString() => $"{Kind} v{Version} at {RotationHistoryJson.FormatTimestamp(At)} by {By}";
}
