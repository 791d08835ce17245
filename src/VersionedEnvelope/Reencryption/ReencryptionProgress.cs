namespace VersionedEnvelope;

/// <summary>Progress of a re-encryption run, reported after each saved batch.</summary>
/// <param name="Scanned">Records read.</param>
/// <param name="Rewrapped">Records moved to the active version.</param>
/// <param name="Skipped">Records already current.</param>
/// <param name="Failed">Records that could not be moved.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Checkpoint">The last saved checkpoint.</param>
public sealed record ReencryptionProgress(long Scanned, long Rewrapped, long Skipped, long Failed, TimeSpan Elapsed, string? Checkpoint)
{
    /// <summary>Records read per second so far.</summary>
    public double RecordsPerSecond => Elapsed > TimeSpan.Zero ? Scanned / Elapsed.TotalSeconds : 0;
}
