using System.ComponentModel.DataAnnotations;
using VersionedEnvelope.EntityFrameworkCore.Internal;

namespace VersionedEnvelope.EntityFrameworkCore.Reencryption;

/// <summary>Shares one re-encryption run among every host that joins it (PostgreSQL).</summary>
/// <remarks>
/// The first host splits the stale rows' keys into <see cref="RangeCount"/> ranges in a table; each host claims the
/// next free range with <c>FOR UPDATE SKIP LOCKED</c>, re-encrypts it batch by batch (each batch saves the range's
/// checkpoint and heartbeat in its own transaction) and marks it done in the transaction of its last batch. A range
/// whose host stops sending heartbeats for <see cref="LeaseDuration"/> is claimed again and resumed from its
/// checkpoint. A host returns when every range of the run is done.
/// </remarks>
public sealed class ClaimedKeyRangeOptions
{
    /// <summary>The table that holds the ranges when <see cref="TableName"/> is not set.</summary>
    public const string DefaultTableName = EntityFrameworkCoreDefaults.RangeTableName;

    /// <summary>The ranges a run's keys are split into when <see cref="RangeCount"/> is not set.</summary>
    public const int DefaultRangeCount = EntityFrameworkCoreDefaults.RangeCount;

    /// <summary>How long a range stays with a host that sends no heartbeat, when <see cref="LeaseDuration"/> is not set.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = EntityFrameworkCoreDefaults.LeaseDuration;

    /// <summary>
    /// Names the run: every host that passes the same id works on the same ranges. Use a new id for each run (for example
    /// the entity, the target key version and when the run began); a finished run's id finds nothing left to do.
    /// </summary>
    [Required]
    public required string RunId { get; set; }

    /// <summary>Names this host in the ranges it claims (shown by <c>GetClaimedKeyRangesAsync</c>). Default: machine name and process id.</summary>
    [Required]
    public string HostId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// Ranges the run's keys are split into (by <c>ntile</c> over the stale rows, so ranges hold about as many rows each).
    /// More ranges share the work more evenly and lose less to a host that dies; each claim costs a round trip. Default 64.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int RangeCount { get; set; } = DefaultRangeCount;

    /// <summary>
    /// How long a claimed range stays with its host after its last heartbeat (each batch sends one, and a timer every third
    /// of the lease). After it, another host may claim the range and resume it from its checkpoint. Default 30 seconds.
    /// </summary>
    [Shared.TimeSpanRange(EntityFrameworkCoreDefaults.MinLeaseDuration)]
    public TimeSpan LeaseDuration { get; set; } = DefaultLeaseDuration;

    /// <summary>The table of ranges, created when missing. Default <see cref="DefaultTableName"/>.</summary>
    [Required]
    public string TableName { get; set; } = DefaultTableName;
}
