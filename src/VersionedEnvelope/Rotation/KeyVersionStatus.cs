namespace VersionedEnvelope;

/// <summary>One key version in a <see cref="KeyRingStatus"/>: its state, age, use and what keeps it from being retired.</summary>
public sealed class KeyVersionStatus
{
    /// <summary>The version.</summary>
    public required int Version { get; init; }

    /// <summary>Its state.</summary>
    public required KeyState State { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it starts (started) to encrypt, for a version created pending; otherwise <see langword="null"/>.</summary>
    public required DateTimeOffset? ActivatesAt { get; init; }

    /// <summary>How long since it was created (zero when the clock reads earlier than that).</summary>
    public required TimeSpan Age { get; init; }

    /// <summary>Data keys wrapped under it: the shared count plus this host's wraps not yet flushed.</summary>
    public required long Uses { get; init; }

    /// <summary>Why it is not retired automatically; <see langword="null"/> when it is retired or destroyed already, or would be at the next check.</summary>
    public required string? RetirementBlockedBy { get; init; }
}
