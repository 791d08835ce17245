using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// Encrypts and decrypts one encrypted column's values for its value converter, and remembers two things by value
/// instance (weakly, so nothing outlives the entity): ciphertexts prepared by the save interceptor (so the stored header
/// and the <c>keyVersion</c> column name the same version) and plaintexts read from legacy or stale ciphertexts (so the
/// next save of a modified entity rewrites them under the active version).
/// </summary>
internal sealed class EncryptedColumnCodec
{
    private const int StackLimit = 1024;
    private readonly IEnvelopeEncryptor? _encryptor;
    private readonly ConditionalWeakTable<object, object> _prepared = [];
    private readonly ConditionalWeakTable<object, object> _stale = [];

    public EncryptedColumnCodec(IEnvelopeEncryptor? encryptor, string column, string? associatedData, string? keyVersionProperty)
    {
        _encryptor = encryptor;
        Column = column;
        AssociatedData = string.IsNullOrEmpty(associatedData) ? [] : Encoding.UTF8.GetBytes(associatedData);
        KeyVersionProperty = keyVersionProperty;
    }

    /// <summary>The entity and property, for messages.</summary>
    public string Column { get; }

    public byte[] AssociatedData { get; }

    public string? KeyVersionProperty { get; }

    public IEnvelopeEncryptor Encryptor => _encryptor ?? throw new InvalidOperationException(
        $"The encrypted property {Column} cannot be read or written: the context has no encryptor. Configure it with optionsBuilder.UseVersionedEnvelope(serviceProvider) or UseVersionedEnvelope(encryptor).");

    public string EncryptText(string plaintext)
    {
        if (_prepared.TryGetValue(plaintext, out var prepared))
        {
            _prepared.Remove(plaintext);
            return (string)prepared;
        }

        return EncryptTextCore(plaintext);
    }

    public byte[] EncryptBinary(byte[] plaintext)
    {
        if (_prepared.TryGetValue(plaintext, out var prepared))
        {
            _prepared.Remove(plaintext);
            return (byte[])prepared;
        }

        return Encryptor.Encrypt(plaintext, AssociatedData);
    }

    /// <summary>Encrypts a value about to be saved and keeps the ciphertext for its converter; returns its key version.</summary>
    public int Prepare(object plaintext)
    {
        object ciphertext = plaintext switch
        {
            string text => EncryptTextCore(text),
            byte[] bytes => Encryptor.Encrypt(bytes, AssociatedData),
            _ => throw new InvalidOperationException($"The encrypted property {Column} holds a {plaintext.GetType().Name}; only string and byte[] can be encrypted."),
        };
        _prepared.AddOrUpdate(plaintext, ciphertext);
        return ciphertext is string s ? EnvelopeFormat.GetKeyVersion(s) : EnvelopeFormat.GetKeyVersion((byte[])ciphertext);
    }

    /// <summary>Whether the value was read from a legacy ciphertext or one under another version than the active one.</summary>
    public bool NeedsRewrite(object plaintext) => _stale.TryGetValue(plaintext, out _);

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
            string plaintext = Encoding.UTF8.GetString(decrypted.Plaintext);
            RememberIfStale(plaintext, decrypted);
            return plaintext;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decrypted.Plaintext);
        }
    }

    public byte[] DecryptBinary(byte[] stored)
    {
        var decrypted = Encryptor.Decrypt(stored, AssociatedData);
        RememberIfStale(decrypted.Plaintext, decrypted);
        return decrypted.Plaintext;
    }

    private void RememberIfStale(object plaintext, DecryptedEnvelope decrypted)
    {
        if (decrypted.IsLegacy || decrypted.NeedsReencryption)
        {
            _stale.AddOrUpdate(plaintext, plaintext);
        }
    }

    private string EncryptTextCore(string plaintext)
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
