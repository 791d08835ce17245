using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope.Streams;

/// <summary>Seals and opens the segments of one VE1 stream.</summary>
/// <remarks>
/// AES-256-GCM under K = HKDF-SHA256(DEK, salt = nonce prefix, info = "ve1-stream" ‖ associated data), nonce = prefix ‖
/// index (4, big-endian) ‖ last flag, associated data = header bytes 0..2 ‖ 67..77. Holds the derived key only inside
/// its <see cref="AesGcm"/>.
/// </remarks>
internal sealed class StreamSegmentCipher : IDisposable
{
    private const int NonceIndexOffset = EnvelopeStreamFormat.NoncePrefixLength;
    private const int NonceFlagOffset = NonceIndexOffset + 4;
    private const int AadLength = Ve1Layout.PayloadAadPrefixLength + EnvelopeStreamFormat.HeaderLength - EnvelopeStreamFormat.SegmentSizeOffset;

    private static ReadOnlySpan<byte> InfoLabel => "ve1-stream"u8;

    private readonly AesGcm _aes;
    private readonly byte[] _aad = new byte[AadLength];
    private readonly byte[] _noncePrefix = new byte[EnvelopeStreamFormat.NoncePrefixLength];

    /// <summary>Derives the segment key from the data key and the header's bytes 67..77.</summary>
    public StreamSegmentCipher(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> header, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> key = stackalloc byte[Ve1Layout.KeySize];
        try
        {
            DeriveKey(dataKey, EnvelopeStreamFormat.NoncePrefix(header), associatedData, key);
            _aes = new AesGcm(key, Ve1Layout.TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        header[..Ve1Layout.PayloadAadPrefixLength].CopyTo(_aad);
        header[EnvelopeStreamFormat.SegmentSizeOffset..EnvelopeStreamFormat.HeaderLength].CopyTo(_aad.AsSpan(Ve1Layout.PayloadAadPrefixLength));
        EnvelopeStreamFormat.NoncePrefix(header).CopyTo(_noncePrefix);
    }

    /// <summary>K = HKDF-SHA256(IKM = data key, salt = nonce prefix, info = "ve1-stream" ‖ associated data), 32 bytes.</summary>
    public static void DeriveKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> noncePrefix, ReadOnlySpan<byte> associatedData, Span<byte> key)
    {
        int infoLength = InfoLabel.Length + associatedData.Length;
        byte[]? rented = infoLength > EnvelopeConstants.StackAadLimit ? ArrayPool<byte>.Shared.Rent(infoLength) : null;
        Span<byte> info = rented is null ? stackalloc byte[EnvelopeConstants.StackAadLimit] : rented;
        info = info[..infoLength];
        InfoLabel.CopyTo(info);
        associatedData.CopyTo(info[InfoLabel.Length..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key, noncePrefix, info);
        if (rented is not null)
        {
            // The associated data is not secret, but it is the caller's: return the buffer clean.
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    /// <summary>Encrypts one segment in place (the plaintext becomes its ciphertext) and writes its tag.</summary>
    public void Seal(uint index, bool last, Span<byte> segment, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[Ve1Layout.NonceSize];
        WriteNonce(nonce, index, last);
        _aes.Encrypt(nonce, segment, segment, tag, _aad);
    }

    /// <summary>Decrypts one segment in place; false (and the segment cleared) when it does not authenticate at this index and position.</summary>
    public bool TryOpen(uint index, bool last, Span<byte> segment, ReadOnlySpan<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[Ve1Layout.NonceSize];
        WriteNonce(nonce, index, last);
        try
        {
            _aes.Decrypt(nonce, segment, tag, segment, _aad);
            return true;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(segment);
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();

    private void WriteNonce(Span<byte> nonce, uint index, bool last)
    {
        _noncePrefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.Slice(NonceIndexOffset, 4), index);
        nonce[NonceFlagOffset] = last ? (byte)1 : (byte)0;
    }
}
