using System.Globalization;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// A blind index backfill: each row's index computed from its decrypted value under the newest index key, written
/// only while the row still holds the ciphertext and the index that were read. The value itself is never written.
/// </summary>
internal sealed class BlindIndexRewrite : RowRewrite
{
    private readonly EncryptedColumnMap _value;
    private readonly string _index;
    private readonly int _active;

    public BlindIndexRewrite(EncryptedColumnMap value, string indexColumn)
    {
        _value = value;
        _index = indexColumn;
        _active = value.Codec.ActiveIndexKeyVersion;
        Columns =
        [
            new RewriteColumn(value.Column, value.IsText, KeyVersionColumn: null, Written: false),
            new RewriteColumn(indexColumn, IsText: true, KeyVersionColumn: null, Written: true),
        ];
    }

    public override IReadOnlyList<RewriteColumn> Columns { get; }

    public override int TargetVersion => _active;

    public override string? StalePredicate() => string.Create(
        CultureInfo.InvariantCulture,
        $"(({_value.Column} IS NOT NULL AND ({_index} IS NULL OR {_index} NOT LIKE '{BlindIndexer.Prefix}{_active}:%')) OR ({_value.Column} IS NULL AND "
            + $"{_index} IS NOT NULL))");

    public override object?[]? Rewrite(object?[] values, int?[] versions)
    {
        string? computed = values[0] switch
        {
            null => null,
            string text => _value.Codec.ComputeIndex(_value.Codec.DecryptText(text)),
            var other => throw new EnvelopeException(EnvelopeErrorReason.Malformed, $"{_value.Property} holds a {other.GetType().Name}, not a text "
                + $"ciphertext."),
        };
        return string.Equals(computed, (string?)values[1], StringComparison.Ordinal) ? null : [values[0], computed];
    }
}
