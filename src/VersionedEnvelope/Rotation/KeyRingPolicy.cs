namespace VersionedEnvelope;

/// <summary>The automatic lifecycle settings of <see cref="KeyRingOptions"/> that the rules read.</summary>
internal sealed record KeyRingPolicy(TimeSpan RotationPeriod, TimeSpan ActivationDelay, long MaxDataKeysPerVersion, TimeSpan RetirementQuietPeriod)
{
    public const string ByAge = "auto:age";
    public const string ByUse = "auto:use";
    public const string Unused = "auto:unused";

    public static KeyRingPolicy From(KeyRingOptions options) =>
        new(options.RotationPeriod, options.ActivationDelay, options.MaxDataKeysPerVersion, options.RefreshInterval);

    /// <summary>The count that triggers a rotation by use: 90% of the limit.</summary>
    public long UseThreshold => MaxDataKeysPerVersion - (MaxDataKeysPerVersion / 10);
}
