using System.ComponentModel.DataAnnotations;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// The settings every re-encryption run shares, with one set of defaults: <see cref="BatchReencryptor"/>'s
/// <see cref="ReencryptionOptions{TRecord}"/> and the EF Core package's <c>EntityReencryptionOptions</c> both derive from it.
/// </summary>
public abstract class ReencryptionRunOptions
{
    /// <summary>The default batch size: 500 rows, one page and one transaction each.</summary>
    public const int DefaultBatchSize = VersionedEnvelopeDefaults.BatchSize;

    /// <summary>The default of <see cref="MaxDegreeOfParallelism"/>: 1.</summary>
    public const int DefaultMaxDegreeOfParallelism = VersionedEnvelopeDefaults.MaxDegreeOfParallelism;

    /// <summary>Rows per batch: one page read, one save or transaction. Default <see cref="DefaultBatchSize"/>.</summary>
    [Range(1, int.MaxValue)]
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>What goes on at once.</summary>
    /// <remarks>
    /// For <see cref="BatchReencryptor"/>, records of a batch rewrapped in parallel (batches are saved one at a time);
    /// for the EF Core run, batches written at once, each by its own context (with claimed key ranges: ranges this host
    /// works at once). Default <see cref="DefaultMaxDegreeOfParallelism"/>.
    /// </remarks>
    [Range(1, int.MaxValue)]
    public int MaxDegreeOfParallelism { get; set; } = DefaultMaxDegreeOfParallelism;

    /// <summary>A checkpoint saved by an earlier run: rows up to and including this key are not read again.</summary>
    public string? ResumeAfter { get; set; }

    /// <summary>Receives progress after each saved batch.</summary>
    public IProgress<ReencryptionProgress>? Progress { get; set; }

    /// <summary>
    /// The clock for elapsed times and rates, and (EF Core, claimed key ranges) the waits and heartbeats of a shared run.
    /// Default <see cref="TimeProvider.System"/>; tests pass a fake one to move time instead of waiting.
    /// </summary>
    [Required]
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
