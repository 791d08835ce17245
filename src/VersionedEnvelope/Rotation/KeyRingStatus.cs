namespace VersionedEnvelope;

/// <summary>Where the key ring's automatic lifecycle stands: what <c>envelope ring show</c> and a dashboard print.</summary>
public sealed class KeyRingStatus
{
    /// <summary>When the status was read.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The store revision of the ring.</summary>
    public required long Revision { get; init; }

    /// <summary>The version that encrypts.</summary>
    public required int ActiveVersion { get; init; }

    /// <summary>The oldest version that still decrypts (<see cref="KeyRing.MinDecryptionVersion"/>).</summary>
    public required int MinDecryptionVersion { get; init; }

    /// <summary>When the next rotation by age is due; <see langword="null"/> when <see cref="KeyRingOptions.RotationPeriod"/> is off.</summary>
    public required DateTimeOffset? NextRotationAt { get; init; }

    /// <summary>The use limit of one version (<see cref="KeyRingOptions.MaxDataKeysPerVersion"/>); the ring rotates at 90% of it.</summary>
    public required long MaxDataKeysPerVersion { get; init; }

    /// <summary>Whether wraps are counted across hosts (the store implements <see cref="Storage.IKeyUseStore"/>).</summary>
    public required bool CountsUses { get; init; }

    /// <summary>When the last inventory for retirement was taken; <see langword="null"/> when none was.</summary>
    public required DateTimeOffset? LastInventoryAt { get; init; }

    /// <summary>Every version, oldest first.</summary>
    public required IReadOnlyList<KeyVersionStatus> Versions { get; init; }
}
