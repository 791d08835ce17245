using System.Buffers.Binary;

namespace VersionedEnvelope.Internal;

/// <summary>
/// The one owner of the VE1 byte layout (docs/FORMAT.md): sizes, offsets, and the two operations on the header that
/// encryption, rewrap and the data-key cache share: write a header with a wrapped data key, and read one.
/// </summary>
/// <remarks>
/// <code>
/// 0..1 magic "VE" │ 2 format 0x01 │ 3..6 key version (big-endian) │ 7..18 wrap nonce │ 19..50 wrapped data key │
/// 51..66 wrap tag │ 67..78 payload nonce │ 79.. payload │ last 16 payload tag
/// </code>
/// The wrap's associated data is bytes 0..6 (it binds the key version); the payload's is bytes 0..2 followed by the
/// caller's associated data, so a rewrap changes bytes 3..66 only.
/// </remarks>
internal static class Ve1Layout
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    public const byte Magic0 = 0x56;
    public const byte Magic1 = 0x45;
    public const byte FormatVersion = 0x01;

    public const int VersionOffset = 3;
    public const int WrapAadLength = 7;
    public const int PayloadAadPrefixLength = 3;
    public const int WrapNonceOffset = 7;
    public const int WrappedKeyOffset = WrapNonceOffset + NonceSize;
    public const int WrapTagOffset = WrappedKeyOffset + KeySize;

    /// <summary>Bytes 0..66: everything that carries the data key; a rewrap rewrites bytes 3..66 of it.</summary>
    public const int HeaderLength = WrapTagOffset + TagSize;

    public const int PayloadNonceOffset = HeaderLength;
    public const int PayloadOffset = PayloadNonceOffset + NonceSize;

    /// <summary>Bytes a ciphertext adds to its plaintext: 95.</summary>
    public const int Overhead = PayloadOffset + TagSize;

    /// <summary>
    /// Writes bytes 0..66 for <paramref name="version"/>: magic, format and version, then the wrap nonce, and the data
    /// key wrapped under the version's key-encryption key (associated data: bytes 0..6).
    /// </summary>
    public static void WriteHeader(
        Span<byte> header, int version, ReadOnlySpan<byte> wrapNonce, ReadOnlySpan<byte> dataKey, KeyEncryptionKey keyEncryptionKey) =>
        WriteHeader(header, FormatVersion, version, wrapNonce, dataKey, keyEncryptionKey);

    /// <summary>
    /// Writes bytes 0..66 with the given format byte: a VE1 message (0x01) and a VE1 stream (0x02) wrap their data key
    /// the same way, under associated data that binds the format byte too.
    /// </summary>
    public static void WriteHeader(
        Span<byte> header,
        byte format,
        int version,
        ReadOnlySpan<byte> wrapNonce,
        ReadOnlySpan<byte> dataKey,
        KeyEncryptionKey keyEncryptionKey)
    {
        header[0] = Magic0;
        header[1] = Magic1;
        header[2] = format;
        BinaryPrimitives.WriteUInt32BigEndian(header.Slice(VersionOffset, 4), (uint)version);
        wrapNonce.CopyTo(header.Slice(WrapNonceOffset, NonceSize));
        keyEncryptionKey.Encrypt(
            header.Slice(WrapNonceOffset, NonceSize),
            dataKey,
            header.Slice(WrappedKeyOffset, KeySize),
            header.Slice(WrapTagOffset, TagSize),
            header[..WrapAadLength]);
    }

    /// <summary>Unwraps the data key of a header under its version's key-encryption key; false when it does not authenticate.</summary>
    public static bool TryUnwrapDataKey(ReadOnlySpan<byte> header, KeyEncryptionKey keyEncryptionKey, Span<byte> dataKey) =>
        keyEncryptionKey.TryDecrypt(
            header.Slice(WrapNonceOffset, NonceSize),
            header.Slice(WrappedKeyOffset, KeySize),
            header.Slice(WrapTagOffset, TagSize),
            dataKey,
            header[..WrapAadLength]);

    /// <summary>Reads the header's magic, format and key version (nothing is decrypted).</summary>
    public static HeaderStatus ReadHeader(ReadOnlySpan<byte> ciphertext, out int version)
    {
        version = 0;
        if (ciphertext.Length < Overhead || ciphertext[0] != Magic0 || ciphertext[1] != Magic1)
        {
            return HeaderStatus.Malformed;
        }

        if (ciphertext[2] != FormatVersion)
        {
            return HeaderStatus.UnsupportedFormat;
        }

        uint raw = BinaryPrimitives.ReadUInt32BigEndian(ciphertext.Slice(VersionOffset, 4));
        if (raw is 0 or > int.MaxValue)
        {
            return HeaderStatus.Malformed;
        }

        version = (int)raw;
        return HeaderStatus.Valid;
    }

    /// <summary>The payload nonce's slot.</summary>
    public static Span<byte> PayloadNonce(Span<byte> ciphertext) => ciphertext.Slice(PayloadNonceOffset, NonceSize);

    /// <summary>The payload nonce's slot.</summary>
    public static ReadOnlySpan<byte> PayloadNonce(ReadOnlySpan<byte> ciphertext) => ciphertext.Slice(PayloadNonceOffset, NonceSize);
}
