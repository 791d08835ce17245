using Microsoft.Extensions.Logging;

namespace VersionedEnvelope;

/// <summary>
/// Every key-ring event, as source-generated log messages. They carry versions, revisions, who acted and error
/// messages, never key material (the key types have no member that could print it).
/// </summary>
internal static partial class KeyRingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Key ring loaded: revision {Revision}, active version {ActiveVersion}, "
        + "{VersionCount} versions.")]
    public static partial void Loaded(ILogger logger, long revision, int activeVersion, int versionCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Key ring refreshed: revision {OldRevision} -> {NewRevision}, active version "
        + "{ActiveVersion}.")]
    public static partial void Refreshed(ILogger logger, long oldRevision, long newRevision, int activeVersion);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Key ring rotated: version {Version} is active (by {By}).")]
    public static partial void Rotated(ILogger logger, int version, string by);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Key version {Version} changed to {State} (by {By}).")]
    public static partial void StateChanged(ILogger logger, int version, KeyState state, string by);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Key ring refresh failed; keeping revision {Revision}. The next refresh tries again.")]
    public static partial void RefreshFailed(ILogger logger, Exception exception, long revision);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "A ciphertext names key version {Version}, which this host does not know; reloading "
        + "the key ring.")]
    public static partial void UnknownVersionSeen(ILogger logger, int version);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "The key ring was loaded on first use, on the caller's thread; load it at start-up "
        + "(InitializeAsync, or the hosted service AddVersionedEnvelope registers) so no request waits for storage.")]
    public static partial void LoadedOnFirstUse(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Key version {Version} was not destroyed: {Reason}.")]
    public static partial void DestroyRefused(ILogger logger, int version, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "A decrypt waited {Timeout} for the key ring reload that looks for version {Version}, "
        + "and gave up; the reload goes on.")]
    public static partial void UnknownVersionWaitTimedOut(ILogger logger, int version, TimeSpan timeout);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Key version {Version} is active from now on (its activation time came); version "
        + "{PreviousVersion} now only decrypts.")]
    public static partial void Activated(ILogger logger, int version, int previousVersion);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Watching the key ring store for changes failed; trying again, and refreshing "
        + "periodically meanwhile.")]
    public static partial void ChangeWatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Blind index key rotated: version {Version} computes new indexes (by {By}).")]
    public static partial void IndexKeyRotated(ILogger logger, int version, string by);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Blind index key version {Version} was retired (by {By}).")]
    public static partial void IndexKeyRetired(ILogger logger, int version, string by);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "The key ring store holds revision {StoredRevision}, older than revision "
        + "{HeldRevision} which this host holds: the store was restored from a backup or written back. Keeping revision {HeldRevision}; check the "
        + "store before restarting any host, since a host that starts now would load the older ring.")]
    public static partial void RollbackRefused(ILogger logger, long heldRevision, long storedRevision);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Key ring rotated automatically ({Reason}): version {Version} created, active "
        + "from {ActivatesAt:O}; {Uses} data keys were wrapped under version {PreviousVersion}.")]
    public static partial void RotatedAutomatically(ILogger logger, string reason, int version, DateTimeOffset activatesAt, long uses, int previousVersion);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Adding this host's {Count} key uses to the store failed; they are kept for the next "
        + "flush.")]
    public static partial void UseFlushFailed(ILogger logger, Exception exception, long count);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Key version {Version} was retired automatically: {Evidence}.")]
    public static partial void RetiredAutomatically(ILogger logger, int version, string evidence);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information, Message = "Key version {Version} stays: {Blocker}.")]
    public static partial void RetirementBlocked(ILogger logger, int version, string blocker);

    [LoggerMessage(EventId = 19, Level = LogLevel.Error, Message = "The key ring's automatic {Step} failed; it runs again at its next turn.")]
    public static partial void LifecycleStepFailed(ILogger logger, Exception exception, string step);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Next automatic key ring step at {WakeAt:O}.")]
    public static partial void LifecycleSleeping(ILogger logger, DateTimeOffset wakeAt);
}
