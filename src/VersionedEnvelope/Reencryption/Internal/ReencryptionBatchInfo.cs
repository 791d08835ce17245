using System.ComponentModel;

namespace VersionedEnvelope.Reencryption.Internal;

/// <summary>Not for general use. A batch's place in a <see cref="ReencryptionPipeline{TPage}"/> run.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class ReencryptionBatchInfo
{
    private readonly Func<string?> _checkpoint;

    internal ReencryptionBatchInfo(long sequence, bool last, Func<string?> checkpoint)
    {
        Sequence = sequence;
        Last = last;
        _checkpoint = checkpoint;
    }

    /// <summary>The batch's number in reading order, from 0.</summary>
    public long Sequence { get; }

    /// <summary>Whether reading ended with this batch (known only when batches are written one at a time).</summary>
    public bool Last { get; }

    /// <summary>
    /// The checkpoint this batch may save with its rows, asked for as late as possible (inside its transaction): its own
    /// last key when every earlier batch is done, else the last key every earlier batch reached (null before any).
    /// </summary>
    /// <returns>The checkpoint, if any.</returns>
    public string? GetCheckpoint() => _checkpoint();
}
