namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// What one pass of the re-encryption pipeline changes in a row: the columns it reads (and which of them it writes),
/// the rows SQL can rule out, and each row's new values.
/// </summary>
/// <remarks>
/// The pipeline (<see cref="EntityReencryptionRun"/>) does the rest the same way for every pass: keyset pages,
/// conditional writes, ordered checkpoints, progress and failures.
/// </remarks>
internal abstract class RowRewrite
{
    /// <summary>The columns read, in order; every one is compared on write, so a row changed meanwhile is skipped.</summary>
    public abstract IReadOnlyList<RewriteColumn> Columns { get; }

    /// <summary>The version rows are moved to (a key version, or an index key version), for the summary.</summary>
    public abstract int TargetVersion { get; }

    /// <summary>A SQL condition true for every row that may need work; <see langword="null"/> when only the values can tell.</summary>
    public abstract string? StalePredicate();

    /// <summary>
    /// The row's new values (the same instance where a column is unchanged), or <see langword="null"/> when it needs
    /// nothing. A column read as a <see cref="StoredTextStart"/> gets a <see cref="TextHeadRewrite"/>.
    /// </summary>
    public abstract object?[]? Rewrite(object?[] values, int?[] versions);
}

/// <summary>One column of a pass.</summary>
/// <remarks>
/// Its delimited name, whether it holds text, the <c>keyVersion</c> column set to the target version when it is
/// written, whether the pass writes it at all (otherwise it is only read and compared), and whether the pass needs only
/// the head of a VE1 text value (a rewrap), so that the run may read a <see cref="StoredTextStart"/> and let the
/// database keep the rest of the value.
/// </remarks>
internal sealed record RewriteColumn(string Column, bool IsText, string? KeyVersionColumn, bool Written, bool HeadOnly = false);
