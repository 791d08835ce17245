using System.Security.Cryptography;

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
        if (key.Length != Ve1Layout.KeySize)
        {
            throw new ArgumentException($"A key-encryption key must be {Ve1Layout.KeySize} bytes (256 bits); got {key.Length}.", nameof(key));
        }

        _key = GC.AllocateArray<byte>(Ve1Layout.KeySize, pinned: true);
        key.CopyTo(_key);
        Pool = new AesGcmPool(_key);
    }

    public AesGcmPool Pool { get; }

    public void CopyTo(Span<byte> destination) => _key.CopyTo(destination);

    public static KeyEncryptionKey Generate()
    {
        Span<byte> key = stackalloc byte[Ve1Layout.KeySize];
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

    public bool TryDecrypt(
        ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag,
        Span<byte> plaintext,
        ReadOnlySpan<byte> associatedData)
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
