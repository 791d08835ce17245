namespace VersionedEnvelope;

/// <summary>One rotation: an entry of the <c>keyRotationHistory</c> JSON hosts store. Two entries are equal when all three fields are.</summary>
public sealed class KeyRotationEvent : IEquatable<KeyRotationEvent>
{
    /// <summary>Creates an entry.</summary>
    /// <param name="version">The key version the rotation created and made active.</param>
    /// <param name="rotatedAt">When, in UTC, to the millisecond.</param>
    /// <param name="rotatedBy">Who rotated (a user id, an e-mail, a service).</param>
    public KeyRotationEvent(int version, DateTimeOffset rotatedAt, string rotatedBy)
    {
        Version = version;
        RotatedAt = rotatedAt;
        RotatedBy = rotatedBy;
    }

    /// <summary>The key version the rotation created and made active.</summary>
    public int Version { get; }

    /// <summary>When, in UTC, to the millisecond.</summary>
    public DateTimeOffset RotatedAt { get; }

    /// <summary>Who rotated (a user id, an e-mail, a service).</summary>
    public string RotatedBy { get; }

    /// <inheritdoc/>
    public bool Equals(KeyRotationEvent? other) =>
        other is not null && Version == other.Version && RotatedAt == other.RotatedAt && string.Equals(RotatedBy, other.RotatedBy, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as KeyRotationEvent);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Version, RotatedAt, RotatedBy);

    /// <summary>Describes the entry.</summary>
    /// <returns>For example <c>v3 at 2026-01-05T10:00:00.000Z by user_123</c>.</returns>
    public override string ToString() => $"v{Version} at {RotationHistoryJson.FormatTimestamp(RotatedAt)} by {RotatedBy}";
}
