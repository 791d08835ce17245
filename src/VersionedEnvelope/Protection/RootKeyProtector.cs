using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// A key ring protector over a 256-bit root key held by the process (an environment variable, a secret file): the ring
/// key is wrapped with AES-256-GCM under the root key, the key id as associated data.
/// </summary>
/// <remarks>
/// Its <see cref="KeyId"/> is <c>root-key:</c> and a fingerprint (an HMAC of a fixed label under the key, 64 bits), so
/// a document says which root key opens it without saying anything of the key. Prefer an HSM or KMS protector in
/// production: whoever holds the database and this process's environment holds every secret.
/// </remarks>
public sealed class RootKeyProtector : IKeyRingProtector
{
    private const int WrappedSize = Ve1Layout.NonceSize + Ve1Layout.KeySize + Ve1Layout.TagSize;
    private readonly Func<byte[]> _rootKey;

    /// <summary>Creates a protector over a fixed root key (copied).</summary>
    /// <param name="rootKey">The 256-bit root key.</param>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public RootKeyProtector(ReadOnlySpan<byte> rootKey)
        : this(Copy(rootKey))
    {
    }

    /// <summary>Creates a protector that asks for the root key on each wrap and unwrap (for keys held in a vault).</summary>
    /// <param name="rootKey">Returns the 256-bit root key; the protector clears the returned array after use.</param>
    public RootKeyProtector(Func<byte[]> rootKey)
    {
        ArgumentNullException.ThrowIfNull(rootKey);
        _rootKey = rootKey;
        byte[] key = GetRootKey();
        try
        {
            KeyId = "root-key:" + Convert.ToHexString(HMACSHA256.HashData(key, "VersionedEnvelope root key id"u8).AsSpan(0, 8)).ToLowerInvariant();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <inheritdoc />
    public string KeyId { get; }

    /// <inheritdoc />
    public ValueTask<byte[]> WrapKeyAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        if (key.Length != Ve1Layout.KeySize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A ring key is {Ve1Layout.KeySize} bytes; this one is "
                + $"{key.Length}."), nameof(key));
        }

        byte[] rootKey = GetRootKey();
        try
        {
            var wrapped = new byte[WrappedSize];
            RandomNumberGenerator.Fill(wrapped.AsSpan(0, Ve1Layout.NonceSize));
            using var aes = new AesGcm(rootKey, Ve1Layout.TagSize);
            aes.Encrypt(
                wrapped.AsSpan(0, Ve1Layout.NonceSize),
                key.Span,
                wrapped.AsSpan(Ve1Layout.NonceSize, Ve1Layout.KeySize),
                wrapped.AsSpan(Ve1Layout.NonceSize + Ve1Layout.KeySize),
                Encoding.UTF8.GetBytes(KeyId));
            return ValueTask.FromResult(wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rootKey);
        }
    }

    /// <inheritdoc />
    public ValueTask<byte[]> UnwrapKeyAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (keyId != KeyId)
        {
            throw new CryptographicException($"The ring key was wrapped by '{keyId}', not by this root key ('{KeyId}').");
        }

        if (wrappedKey.Length != WrappedSize)
        {
            throw new CryptographicException("The wrapped ring key has the wrong length.");
        }

        byte[] rootKey = GetRootKey();
        var key = new byte[Ve1Layout.KeySize];
        try
        {
            using var aes = new AesGcm(rootKey, Ve1Layout.TagSize);
            var wrapped = wrappedKey.Span;
            aes.Decrypt(
                wrapped[..Ve1Layout.NonceSize],
                wrapped.Slice(Ve1Layout.NonceSize, Ve1Layout.KeySize),
                wrapped[(Ve1Layout.NonceSize + Ve1Layout.KeySize)..],
                key,
                Encoding.UTF8.GetBytes(keyId));
            return ValueTask.FromResult(key);
        }
        catch (CryptographicException ex)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new CryptographicException("The wrapped ring key failed authentication under this root key: it was altered.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rootKey);
        }
    }

    /// <summary>The root key itself, for documents sealed before protectors existed; the caller clears it.</summary>
    internal byte[] GetRootKey()
    {
        byte[] key = _rootKey() ?? throw new InvalidOperationException("The root key provider returned null.");
        return key.Length == Ve1Layout.KeySize
            ? key
            : throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"The root key must be {Ve1Layout.KeySize} bytes (256 bits); "
                + $"it is {key.Length}."));
    }

    /// <summary>Says which root key this is (its key id), never the key.</summary>
    /// <returns>The key id.</returns>
    public override string ToString() => KeyId;

    private static Func<byte[]> Copy(ReadOnlySpan<byte> rootKey)
    {
        if (rootKey.Length != Ve1Layout.KeySize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The root key must be {Ve1Layout.KeySize} bytes (256 bits); it is "
                + $"{rootKey.Length}."), nameof(rootKey));
        }

        byte[] copy = rootKey.ToArray();
        return () => (byte[])copy.Clone();
    }
}
