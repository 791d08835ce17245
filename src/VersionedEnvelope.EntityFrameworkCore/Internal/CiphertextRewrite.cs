using System.Globalization;
using System.Security.Cryptography;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;
using VersionedEnvelope.Reencryption.Internal;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Re-encryption: every encrypted column of an entity moved to the active key version (VE1 rewrapped, legacy encrypted anew).</summary>
internal sealed class CiphertextRewrite : RowRewrite
{
    private readonly EncryptedTableMap _map;
    private readonly bool _verifyHeaders;
    private readonly IEnvelopeEncryptor _encryptor;
    private readonly int _active;
    private readonly EnvelopeEncryptor? _headRewrap;

    public CiphertextRewrite(EncryptedTableMap map, EntityReencryptionOptions options)
    {
        _map = map;
        _verifyHeaders = options.VerifyHeaders;
        _encryptor = map.Columns[0].Codec.Encryptor;
        _active = _encryptor.ActiveKeyVersion;
        // The package's own encryptor rewraps bytes 3..66 only, so a text value's head is all it needs (see RewrapTextHead).
        _headRewrap = _encryptor as EnvelopeEncryptor;
        Columns = [.. map.Columns.Select(c =>
            new RewriteColumn(c.Column, c.IsText, c.KeyVersionColumn, Written: true, HeadOnly: c.IsText && _headRewrap is not null))];
    }

    public override IReadOnlyList<RewriteColumn> Columns { get; }

    public override int TargetVersion => _active;

    public override string? StalePredicate()
    {
        string currentPrefix = string.Create(CultureInfo.InvariantCulture, $"'ve1:v{_active}:%'");
        var any = new List<string>();
        foreach (var column in _map.Columns)
        {
            if (column.KeyVersionColumn is { } kv)
            {
                any.Add(string.Create(CultureInfo.InvariantCulture, $"{kv} < {_active} OR {kv} > {_active} OR {kv} IS NULL"));
                if (!_verifyHeaders)
                {
                    continue;
                }
            }

            if (!column.IsText)
            {
                return null;
            }

            any.Add($"({column.Column} IS NOT NULL AND {column.Column} NOT LIKE {currentPrefix})");
        }

        return $"({string.Join(" OR ", any)})";
    }

    public override object?[]? Rewrite(object?[] values, int?[] versions)
    {
        var newValues = new object?[values.Length];
        bool changed = false;
        for (int i = 0; i < newValues.Length; i++)
        {
            var column = _map.Columns[i];
            object? value = values[i];
            newValues[i] = value switch
            {
                null => null,
                StoredTextStart start => RewrapHead(start),
                string text => ReencryptText(column, text),
                byte[] binary => ReencryptBinary(column, binary),
                _ => throw new EnvelopeException(EnvelopeErrorReason.Malformed, $"{column.Property} holds a {value.GetType().Name}, not a ciphertext."),
            };
            changed |= !ReferenceEquals(newValues[i], value) || (column.KeyVersionColumn is not null && versions[i] != _active);
        }

        return changed ? newValues : null;
    }

    private object RewrapHead(StoredTextStart start)
    {
        string newHead = StoredValueReencryption.RewrapTextHead(_headRewrap!, start.Start, start.Length, out string head);
        return ReferenceEquals(newHead, head) ? start : new TextHeadRewrite(head, newHead);
    }

    private string ReencryptText(EncryptedColumnMap column, string text) =>
        EnvelopeFormat.TryGetKeyVersion(text, out int version) && version == _active
            ? text
            : StoredValueReencryption.ReencryptText(_encryptor, text, column.Codec.AssociatedData, out _);

    private byte[] ReencryptBinary(EncryptedColumnMap column, byte[] binary)
    {
        // A binary column may hold a VE1 message or a whole VE1 stream: both move by their header alone.
        if (EnvelopeFormat.TryGetKeyVersion(binary, out int version) || VersionedEnvelope.Streams.EnvelopeStreamFormat.TryGetKeyVersion(binary, out version))
        {
            return version == _active ? binary : _encryptor.Rewrap(binary);
        }

        var decrypted = _encryptor.Decrypt(binary, column.Codec.AssociatedData);
        try
        {
            return _encryptor.Encrypt(decrypted.Plaintext, column.Codec.AssociatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decrypted.Plaintext);
        }
    }
}
