namespace VersionedEnvelope;

/// <summary>The outcome of a completed re-encryption run.</summary>
public sealed class ReencryptionSummary
{
    /// <summary>Creates a summary.</summary>
    /// <param name="scanned">Records read.</param>
    /// <param name="rewrapped">Records moved to the active version.</param>
    /// <param name="skipped">Records already current.</param>
    /// <param name="failures">Records that could not be moved, with their ids.</param>
    /// <param name="elapsed">How long the run took.</param>
    /// <param name="checkpoint">The last checkpoint saved.</param>
    /// <param name="activeVersion">The version records were moved to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="failures"/> is null.</exception>
    public ReencryptionSummary(
        long scanned,
        long rewrapped,
        long skipped,
        IReadOnlyList<ReencryptionFailure> failures,
        TimeSpan elapsed,
        string? checkpoint,
        int activeVersion)
    {
        ArgumentNullException.ThrowIfNull(failures);
        Scanned = scanned;
        Rewrapped = rewrapped;
        Skipped = skipped;
        Failures = failures;
        Elapsed = elapsed;
        Checkpoint = checkpoint;
        ActiveVersion = activeVersion;
    }

    /// <summary>Records read.</summary>
    public long Scanned { get; }

    /// <summary>Records moved to the active version.</summary>
    public long Rewrapped { get; }

    /// <summary>Records already current.</summary>
    public long Skipped { get; }

    /// <summary>Records that could not be moved, with their ids.</summary>
    public IReadOnlyList<ReencryptionFailure> Failures { get; }

    /// <summary>How long the run took.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The last checkpoint saved.</summary>
    public string? Checkpoint { get; }

    /// <summary>The version records were moved to.</summary>
    public int ActiveVersion { get; }

    /// <summary>How many records failed.</summary>
    public long Failed => Failures.Count;

    /// <summary>Describes the run.</summary>
    /// <returns>For example <c>10000 scanned, 9990 rewrapped, 8 skipped, 2 failed in 00:00:01.2 (to v3)</c>.</returns>
    public override string ToString() => $"{Scanned} scanned, {Rewrapped} rewrapped, {Skipped} skipped, {Failed} failed in {Elapsed} (to v{ActiveVersion})";
}
