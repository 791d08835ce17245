using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// Encrypts and decrypts one encrypted column's values for its value converter: a pure mapping between plaintext and
/// ciphertext through the encryptor's current snapshot, with the column's associated data.
/// </summary>
/// <remarks>
/// It keeps no state between calls, so a value's conversion never depends on which entity or save it came from.
/// </remarks>
internal sealed class EncryptedColumnCodec
{
    private const int StackLimit = 1024;
    private readonly IEnvelopeEncryptor? _encryptor;
    private readonly BlindIndexer? _indexer;

    public EncryptedColumnCodec(
        IEnvelopeEncryptor? encryptor,
        string column,
        string? associatedData,
        string? keyVersionProperty,
        BlindIndexDefinition? blindIndex = null,
        BlindIndexer? indexer = null)
    {
        _encryptor = encryptor;
        _indexer = indexer;
        BlindIndex = blindIndex;
        Column = column;
        AssociatedData = string.IsNullOrEmpty(associatedData) ? [] : Encoding.UTF8.GetBytes(associatedData);
        KeyVersionProperty = keyVersionProperty;
    }

    /// <summary>The entity and property, for messages.</summary>
    public string Column { get; }

    public byte[] AssociatedData { get; }

    public string? KeyVersionProperty { get; }

    /// <summary>The property's blind index, if it has one.</summary>
    public BlindIndexDefinition? BlindIndex { get; }

    private BlindIndexer Indexer => _indexer ?? throw new InvalidOperationException(
        $"The blind index of {Column} needs the key ring: configure the context with optionsBuilder.UseVersionedEnvelope(serviceProvider), or pass the key "
            + $"ring to UseVersionedEnvelope(encryptor, keyRing).");

    /// <summary>The index of a value, under the newest index key, to store beside it.</summary>
    public string ComputeIndex(string plaintext)
    {
        var index = BlindIndex!;
        return Indexer.Compute(index.Name, index.Bits, Normalize(plaintext));
    }

    /// <summary>The value's index under every index key version in the ring: what a lookup compares the column with.</summary>
    public IReadOnlyList<string> ComputeLookup(string value)
    {
        var index = BlindIndex!;
        return Indexer.ComputeForLookup(index.Name, index.Bits, Normalize(value));
    }

    /// <summary>The index key version new indexes are written under.</summary>
    public int ActiveIndexKeyVersion => Indexer.ActiveIndexKeyVersion;

    /// <summary>The value as the index sees it (normalised), for comparing candidates exactly.</summary>
    public string Normalize(string value)
    {
        if (BlindIndex?.Normalize is not { } normalize)
        {
            return value;
        }

        string? normalized;
        try
        {
            normalized = normalize(value);
        }
        catch (Exception ex)
        {
            // The value stays out of the message: it is the secret.
            throw new InvalidOperationException($"The blind index normalisation of {Column} threw {ex.GetType().Name}.", ex);
        }

        return normalized ?? throw new InvalidOperationException($"The blind index normalisation of {Column} returned null.");
    }

    public IEnvelopeEncryptor Encryptor => _encryptor ?? throw new InvalidOperationException(
        $"The encrypted property {Column} cannot be read or written: the context has no encryptor. Configure it with "
            + $"optionsBuilder.UseVersionedEnvelope(serviceProvider) or UseVersionedEnvelope(encryptor).");

    public byte[] EncryptBinary(byte[] plaintext) => Encryptor.Encrypt(plaintext, AssociatedData);

    public string DecryptText(string stored)
    {
        DecryptedEnvelope decrypted;
        if (EnvelopeFormat.IsTextForm(stored))
        {
            decrypted = Encryptor.DecryptText(stored, AssociatedData);
        }
        else
        {
            // Legacy values in text columns are standard base64 of the headerless bytes; the encryptor refuses them
            // unless the host allowed legacy ciphertexts.
            byte[] binary;
            try
            {
                binary = Convert.FromBase64String(stored);
            }
            catch (FormatException)
            {
                throw new EnvelopeException(EnvelopeErrorReason.Malformed, $"The value of {Column} is neither a VE1 text form nor base64 legacy input.");
            }

            decrypted = Encryptor.Decrypt(binary, AssociatedData);
        }

        try
        {
            return Encoding.UTF8.GetString(decrypted.Plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decrypted.Plaintext);
        }
    }

    public byte[] DecryptBinary(byte[] stored) => Encryptor.Decrypt(stored, AssociatedData).Plaintext;

    public string EncryptText(string plaintext)
    {
        int length = Encoding.UTF8.GetByteCount(plaintext);
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> utf8 = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        try
        {
            Encoding.UTF8.GetBytes(plaintext, utf8);
            return Encryptor.EncryptToText(utf8, AssociatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
