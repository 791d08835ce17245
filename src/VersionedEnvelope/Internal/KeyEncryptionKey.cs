using System.Security.Cryptography;
using static VersionedEnvelope.EnvelopeFormat;

namespace VersionedEnvelope.Internal;

/// <summary>
/// The material of one key version: a pinned copy of the 256-bit key (so the GC never leaves copies behind) and a pool
/// of <see cref="AesGcm"/> instances for it. Shared by every <see cref="EnvelopeKey"/> of that version.
/// </summary>
internal sealed class KeyEncryptionKey
{
    private readonly byte[] _key;

    public KeyEncryptionKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != EnvelopeConstants.KeySize)
        {
            throw new ArgumentException($"A key-encryption key must be {EnvelopeConstants.KeySize} bytes (256 bits); got {key.Length}.", nameof(key));
        }

        _key = GC.AllocateArray<byte>(EnvelopeConstants.KeySize, pinned: true);
        key.CopyTo(_key);
        Pool = new AesGcmPool(_key);
    }

    public AesGcmPool Pool { get; }

    public void CopyTo(Span<byte> destination) => _key.CopyTo(destination);

    public static KeyEncryptionKey Generate()
    {
        Span<byte> key = stackalloc byte[EnvelopeConstants.KeySize];
        try
        {
            RandomNumberGenerator.Fill(key);
            return new KeyEncryptionKey(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Encrypts with this key, renting an <see cref="AesGcm"/> for the call.</summary>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        var aes = Pool.Rent();
        try
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        finally
        {
            Pool.Return(aes);
        }
    }

    /// <summary>Decrypts with this key; <see langword="false"/> when authentication fails (the output is then cleared).</summary>
    /// <summary>
    /// Seals a data key into a VE1 header whose magic, version and wrap nonce are already written: the wrapped key and
    /// its tag go to their slots, and the header's first <see cref="WrapAadLength"/> bytes are the associated data.
    /// </summary>
    public void WrapDataKey(ReadOnlySpan<byte> dataKey, Span<byte> header) =>
        Encrypt(
            header.Slice(WrapNonceOffset, EnvelopeConstants.NonceSize),
            dataKey,
            header.Slice(WrappedKeyOffset, EnvelopeConstants.KeySize),
            header.Slice(WrapTagOffset, EnvelopeConstants.TagSize),
            header[..WrapAadLength]);

    /// <summary>Opens the data key sealed in a VE1 header; <see langword="false"/> when authentication fails.</summary>
    public bool TryUnwrapDataKey(ReadOnlySpan<byte> header, Span<byte> dataKey) =>
        TryDecrypt(
            header.Slice(WrapNonceOffset, EnvelopeConstants.NonceSize),
            header.Slice(WrappedKeyOffset, EnvelopeConstants.KeySize),
            header.Slice(WrapTagOffset, EnvelopeConstants.TagSize),
            dataKey,
            header[..WrapAadLength]);

    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var aes = Pool.Rent();
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            Pool.Return(aes);
        }
    }
}
