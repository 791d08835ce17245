namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Every default and limit of the package's options, in one place (the options and their validation read them).</summary>
internal static class EntityFrameworkCoreDefaults
{
    public const string RangeTableName = "ve_reencryption_ranges";
    public const int RangeCount = 64;
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);
    public const string MinLeaseDuration = "00:00:01";

    public const int BlindIndexBits = 32;
}
