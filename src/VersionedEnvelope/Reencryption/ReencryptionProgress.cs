namespace VersionedEnvelope;

/// <summary>Progress of a re-encryption run, reported after each saved batch.</summary>
public sealed class ReencryptionProgress
{
    /// <summary>Creates a progress report.</summary>
    /// <param name="scanned">Records read.</param>
    /// <param name="rewrapped">Records moved to the active version.</param>
    /// <param name="skipped">Records already current.</param>
    /// <param name="failed">Records that could not be moved.</param>
    /// <param name="elapsed">Time since the run started.</param>
    /// <param name="checkpoint">The last saved checkpoint.</param>
    public ReencryptionProgress(long scanned, long rewrapped, long skipped, long failed, TimeSpan elapsed, string? checkpoint)
    {
        Scanned = scanned;
        Rewrapped = rewrapped;
        Skipped = skipped;
        Failed = failed;
        Elapsed = elapsed;
        Checkpoint = checkpoint;
    }

    /// <summary>Records read.</summary>
    public long Scanned { get; }

    /// <summary>Records moved to the active version.</summary>
    public long Rewrapped { get; }

    /// <summary>Records already current.</summary>
    public long Skipped { get; }

    /// <summary>Records that could not be moved.</summary>
    public long Failed { get; }

    /// <summary>Time since the run started.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The last saved checkpoint.</summary>
    public string? Checkpoint { get; }

    /// <summary>Records read per second so far.</summary>
    public double RecordsPerSecond => Elapsed > TimeSpan.Zero ? Scanned / Elapsed.TotalSeconds : 0;

    /// <summary>Describes the progress.</summary>
    /// <returns>For example <c>5000 scanned, 4990 rewrapped, 8 skipped, 2 failed after 00:00:00.6</c>.</returns>
    public override string ToString() => $"{Scanned} scanned, {Rewrapped} rewrapped, {Skipped} skipped, {Failed} failed after {Elapsed}";
}
