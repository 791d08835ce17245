namespace VersionedEnvelope;

/// <summary>The outcome of a completed re-encryption run.</summary>
/// <param name="Scanned">Records read.</param>
/// <param name="Rewrapped">Records moved to the active version.</param>
/// <param name="Skipped">Records already current.</param>
/// <param name="Failures">Records that could not be moved, with their ids.</param>
/// <param name="Elapsed">How long the run took.</param>
/// <param name="Checkpoint">The last checkpoint saved.</param>
/// <param name="ActiveVersion">The version records were moved to.</param>
public sealed record ReencryptionSummary(
    long Scanned,
    long Rewrapped,
    long Skipped,
    IReadOnlyList<ReencryptionFailure> Failures,
    TimeSpan Elapsed,
    string? Checkpoint,
    int ActiveVersion)
{
    /// <summary>How many records failed.</summary>
    public long Failed => Failures.Count;
}
