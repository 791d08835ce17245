using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace VersionedEnvelope.EntityFrameworkCore.Reencryption;

/// <summary>How <c>ReencryptAsync</c> walks an entity's table.</summary>
public sealed class EntityReencryptionOptions : ReencryptionRunOptions
{
    /// <summary>
    /// Also select rows whose stored header does not name the active version, whatever their <c>keyVersion</c> column
    /// says.
    /// </summary>
    /// <remarks>
    /// Finds legacy (headerless) values, which a migration gave the default key version, and values written by
    /// something that did not keep the column in step. Scans every row of the table once. Default <see
    /// langword="false"/>: with a <c>keyVersion</c> column, only rows whose column is not the active version are read.
    /// </remarks>
    public bool VerifyHeaders { get; set; }

    /// <summary>
    /// Saves the checkpoint inside each batch's transaction (commit together or not at all): given the batch's context
    /// and the primary key every row up to which is done. Optional: a run that starts over finds only stale rows anyway.
    /// </summary>
    /// <remarks>
    /// Batches written at once can commit out of order; each saves the last checkpoint that every earlier batch has
    /// reached, and the run saves the final one once more when it ends, in a transaction of its own.
    /// </remarks>
    public Func<DbContext, string, CancellationToken, Task>? SaveCheckpointAsync { get; set; }

    /// <summary>
    /// Runs inside each batch's transaction, after the batch's update and before its commit: given the batch's context
    /// and the primary keys (as the database returns them) of exactly the rows this batch rewrote.
    /// </summary>
    /// <remarks>
    /// Rows skipped (already current, or changed meanwhile by the application) and rows that failed are left out. Use
    /// it to keep per-row state in step with the new ciphertext, such as an audit column: both commit together or not
    /// at all. Not called for a batch that rewrote nothing.
    /// </remarks>
    public Func<DbContext, IReadOnlyList<object>, CancellationToken, Task>? OnBatchAsync { get; set; }

    /// <summary>
    /// Shares the run among every host that joins it with the same <see cref="ClaimedKeyRangeOptions.RunId"/>
    /// (PostgreSQL, the <see cref="IDbContextFactory{TContext}"/> form of <c>ReencryptAsync</c>).
    /// </summary>
    /// <remarks>
    /// Each claims key ranges in turn, and a range whose host dies is resumed by another once its lease runs out. Each
    /// range keeps its own checkpoint, so <see cref="ReencryptionRunOptions.ResumeAfter"/> and <see
    /// cref="SaveCheckpointAsync"/> stay unset. <see langword="null"/> (the default): this host does the whole run.
    /// </remarks>
    [ValidateObjectMembers]
    public ClaimedKeyRangeOptions? ClaimedKeyRanges { get; set; }

    /// <summary>Test seam: the SQL dialect to write, in place of the database's own (one conditional update per row, say).</summary>
    internal Internal.SqlDialect? Dialect { get; set; }

    /// <summary>Test seam: runs after a page is read and before its batch is written.</summary>
    internal Func<CancellationToken, Task>? BeforeWriteBatch { get; set; }

    /// <summary>Test seam: runs after a batch is rewrapped and before its transaction begins, given the batch's sequence number.</summary>
    internal Func<long, CancellationToken, Task>? BeforeBatchTransaction { get; set; }
}
