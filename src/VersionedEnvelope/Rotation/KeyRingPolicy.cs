namespace VersionedEnvelope;

/// <summary>The automatic lifecycle settings of <see cref="KeyRingOptions"/> that the rules read.</summary>
internal sealed record KeyRingPolicy(TimeSpan RotationPeriod, TimeSpan ActivationDelay, long MaxDataKeysPerVersion, TimeSpan RetirementQuietPeriod)
{
    public const string ByAge = "auto:age";
    public const string ByUse = "auto:use";
    public const string Unused = "auto:unused";

    /// <summary>
    /// With an activation delay every host switches at the activation time by its own clock, so a minute covers clock
    /// skew; without one, a host keeps encrypting with the old version until it refreshes.
    /// </summary>
    public static KeyRingPolicy From(KeyRingOptions options) => new(
        options.RotationPeriod,
        options.ActivationDelay,
        options.MaxDataKeysPerVersion,
        options.ActivationDelay > TimeSpan.Zero ? TimeSpan.FromMinutes(1) : options.RefreshInterval);

    /// <summary>The count that triggers a rotation by use: 90% of the limit.</summary>
    public long UseThreshold => MaxDataKeysPerVersion - (MaxDataKeysPerVersion / 10);
}
