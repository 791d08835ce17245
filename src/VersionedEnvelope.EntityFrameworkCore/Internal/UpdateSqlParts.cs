using System.Data.Common;
using System.Globalization;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// The pieces every update form shares: the table, its columns, the version written to keyVersion columns, and how a
/// column's condition ("the row still holds what was read") and assignment are written.
/// </summary>
internal sealed class UpdateSqlParts(EncryptedTableMap map, IReadOnlyList<RewriteColumn> columns, int activeVersion, SqlDialect dialect)
{
    public EncryptedTableMap Map { get; } = map;

    public IReadOnlyList<RewriteColumn> Columns { get; } = columns;

    public int ActiveVersion { get; } = activeVersion;

    public SqlDialect Dialect { get; } = dialect;

    /// <summary>
    /// Text columns of set-based updates are compared and written by their start (a whole value is a start as long as
    /// itself): a VE1 value read by its head gets only its head replaced, any other value the whole of it.
    /// </summary>
    public bool InPlace(RewriteColumn column) => column.IsText && Dialect.RewritesTextInPlace;

    /// <summary>
    /// What an in-place text column sends: the start to compare and replace, the stored length the row must still have,
    /// and what replaces the start.
    /// </summary>
    public static (string? Old, int? Length, string? New) TextWrite(object? value, object? newValue) => (value, newValue) switch
    {
        (StoredTextStart start, TextHeadRewrite rewrite) => (rewrite.OldHead, start.Length, rewrite.NewHead),
        (StoredTextStart start, _) => (start.Start, start.Length, start.Start),
        (string old, var written) => (old, old.Length, (string?)written),
        _ => (null, null, (string?)newValue),
    };

    /// <summary>
    /// The row still holds what was read: the same value (null-safe), or, for a text column written in place, the same
    /// start and the same length.
    /// </summary>
    public void AddCondition(List<string> where, RewriteColumn column, string old, string? length)
    {
        string stored = $"{Map.Table}.{column.Column}";
        string same = length is null ? $"{stored} = {old}" : $"substr({stored}, 1, length({old})) = {old} AND length({stored}) = {length}";
        where.Add($"(({same}) OR ({stored} IS NULL AND {old} IS NULL))");
    }

    /// <summary>
    /// The column's new value (for a text column written in place: the new start, then the rest as stored, nothing when
    /// it was null) and its keyVersion.
    /// </summary>
    public void AddAssignment(List<string> set, RewriteColumn column, string old, string? length, string @new)
    {
        if (!column.Written)
        {
            return;
        }

        set.Add(length is null
            ? $"{column.Column} = {@new}"
            : $"{column.Column} = {@new} || COALESCE(substr({Map.Table}.{column.Column}, length({old}) + 1), '')");
        AddKeyVersion(set, column);
    }

    /// <summary>The column's keyVersion column, when it has one, set to the version written.</summary>
    public void AddKeyVersion(List<string> set, RewriteColumn column)
    {
        if (column.KeyVersionColumn is { } kv)
        {
            set.Add(string.Create(CultureInfo.InvariantCulture, $"{kv} = {ActiveVersion}"));
        }
    }

    /// <summary>Runs an update that names the rows it wrote (<c>RETURNING key</c>) and adds their keys.</summary>
    public static async Task ReadReturnedKeysAsync(DbCommand command, List<object> written, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerLifetime = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            written.Add(reader.GetValue(0));
        }
    }
}
