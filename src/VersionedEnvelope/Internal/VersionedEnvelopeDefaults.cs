namespace VersionedEnvelope.Internal;

/// <summary>Every default and limit of the package's options, in one place (the options and their validation read them).</summary>
internal static class VersionedEnvelopeDefaults
{
    public const int DataKeyCacheMaxMessages = 1_000;
    public const int DataKeyCacheMaxMessagesLimit = 1 << 20;
    public static readonly TimeSpan DataKeyCacheMaxAge = TimeSpan.FromMinutes(1);
    public const string DataKeyCacheMaxAgeLimit = "01:00:00";

    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan UnknownVersionReloadInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan UnknownVersionWaitTimeout = TimeSpan.FromSeconds(5);
    public const string UnknownVersionWaitTimeoutLimit = "00:10:00";

    public const long MaxDataKeysPerVersion = 1L << 30;
    public static readonly TimeSpan UseFlushInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RetirementCheckInterval = TimeSpan.FromHours(1);

    public const int BatchSize = 500;
    public const int MaxDegreeOfParallelism = 1;
}
