using System.ComponentModel;

namespace VersionedEnvelope.Reencryption.Internal;

/// <summary>Not for general use. What one batch of a <see cref="ReencryptionPipeline{TPage}"/> run did.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class ReencryptionBatchOutcome
{
    /// <summary>Creates an outcome.</summary>
    /// <param name="rewritten">Rows written.</param>
    /// <param name="skipped">Rows left as they were (already current, or changed meanwhile).</param>
    /// <param name="failures">Rows that could not be moved.</param>
    public ReencryptionBatchOutcome(long rewritten, long skipped, IReadOnlyList<ReencryptionFailure> failures)
    {
        Rewritten = rewritten;
        Skipped = skipped;
        Failures = failures;
    }

    /// <summary>Rows written.</summary>
    public long Rewritten { get; }

    /// <summary>Rows left as they were.</summary>
    public long Skipped { get; }

    /// <summary>Rows that could not be moved.</summary>
    public IReadOnlyList<ReencryptionFailure> Failures { get; }
}
