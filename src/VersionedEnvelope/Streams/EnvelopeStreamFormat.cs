using System.Buffers.Binary;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope.Streams;

/// <summary>
/// The VE1 stream format (format byte <c>0x02</c>): constants and pure functions over its 78-byte header. Nothing here
/// needs a key. See docs/FORMAT.md.
/// </summary>
/// <remarks>
/// Layout: bytes 0..66 as a VE1 message (magic, format, key version, wrapped data key) · segment size (4, big-endian) ·
/// nonce prefix (7) · segments of <c>S + 16</c> bytes, the last one shorter. Segment <c>i</c> starts at
/// <c>78 + i·(S + 16)</c>, so a reader can seek, and a rewrap rewrites bytes 0..66 only.
/// </remarks>
public static class EnvelopeStreamFormat
{
    /// <summary>The format byte of a VE1 stream.</summary>
    public const byte FormatVersion = 0x02;

    /// <summary>The header's length: 78 bytes.</summary>
    public const int HeaderLength = NoncePrefixOffset + NoncePrefixLength;

    /// <summary>The smallest segment size: 1 KiB.</summary>
    public const int MinSegmentSize = 1024;

    /// <summary>The largest segment size: 16 MiB.</summary>
    public const int MaxSegmentSize = 16 * 1024 * 1024;

    /// <summary>The segment size the encryptor writes unless its options say otherwise: 64 KiB.</summary>
    public const int DefaultSegmentSize = 64 * 1024;

    /// <summary>Bytes each segment adds to its plaintext (its tag).</summary>
    public const int SegmentOverhead = Ve1Layout.TagSize;

    internal const int SegmentSizeOffset = Ve1Layout.HeaderLength;
    internal const int NoncePrefixOffset = SegmentSizeOffset + 4;
    internal const int NoncePrefixLength = 7;

    /// <summary>The shortest stream: a header and one empty last segment.</summary>
    internal const int MinLength = HeaderLength + SegmentOverhead;

    /// <summary>Returns the length of the stream ciphertext of a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    /// <param name="plaintextLength">The plaintext length, zero or more.</param>
    /// <param name="segmentSize">The segment size, <see cref="MinSegmentSize"/> to <see cref="MaxSegmentSize"/>.</param>
    /// <returns>Header + plaintext + 16 bytes per segment (at least one segment).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A length is negative, or the segment size out of range.</exception>
    public static long GetCiphertextLength(long plaintextLength, int segmentSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ThrowIfSegmentSizeOutOfRange(segmentSize);
        long segments = Math.Max(1, (plaintextLength + segmentSize - 1) / segmentSize);
        return HeaderLength + plaintextLength + (segments * SegmentOverhead);
    }

    /// <summary>Tries to read the key version of a VE1 stream from its first 7 bytes (or more), without any key.</summary>
    /// <param name="header">The stream's first bytes: at least 7.</param>
    /// <param name="keyVersion">The key version when the bytes start a VE1 stream; otherwise 0.</param>
    /// <returns><see langword="true"/> when the magic, the format byte and the version field are those of a VE1 stream.</returns>
    public static bool TryGetKeyVersion(ReadOnlySpan<byte> header, out int keyVersion)
    {
        keyVersion = 0;
        if (header.Length < Ve1Layout.WrapAadLength || header[0] != Ve1Layout.Magic0 || header[1] != Ve1Layout.Magic1 || header[2] != FormatVersion)
        {
            return false;
        }

        uint raw = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(Ve1Layout.VersionOffset, 4));
        if (raw is 0 or > int.MaxValue)
        {
            return false;
        }

        keyVersion = (int)raw;
        return true;
    }

    /// <summary>Reads the key version of a VE1 stream from its first 7 bytes, for an inventory; the stream moves 7 bytes on.</summary>
    /// <param name="ciphertext">A readable stream positioned at the VE1 stream's start.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The key version, 1 to 2^31-1.</returns>
    /// <exception cref="EnvelopeException">The stream does not start with a VE1 stream header.</exception>
    public static async ValueTask<int> ReadKeyVersionAsync(Stream ciphertext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        var head = new byte[Ve1Layout.WrapAadLength];
        int read = await ciphertext.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (TryGetKeyVersion(head.AsSpan(0, read), out int version))
        {
            return version;
        }

        throw HeaderError(head.AsSpan(0, read));
    }

    /// <summary>Reads a whole 78-byte header: magic, format, key version and segment size (nothing is decrypted).</summary>
    internal static HeaderStatus ReadHeader(ReadOnlySpan<byte> header, out int version, out int segmentSize)
    {
        version = 0;
        segmentSize = 0;
        if (header.Length < Ve1Layout.WrapAadLength || header[0] != Ve1Layout.Magic0 || header[1] != Ve1Layout.Magic1)
        {
            return HeaderStatus.Malformed;
        }

        if (header[2] != FormatVersion)
        {
            return HeaderStatus.UnsupportedFormat;
        }

        if (!TryGetKeyVersion(header, out version) || header.Length < HeaderLength)
        {
            return HeaderStatus.Malformed;
        }

        uint size = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(SegmentSizeOffset, 4));
        if (size is < MinSegmentSize or > MaxSegmentSize)
        {
            return HeaderStatus.Malformed;
        }

        segmentSize = (int)size;
        return HeaderStatus.Valid;
    }

    /// <summary>The error for a header that is not a VE1 stream header, naming the API that reads what it is.</summary>
    internal static EnvelopeException HeaderError(ReadOnlySpan<byte> header) => ReadHeader(header, out _, out _) switch
    {
        HeaderStatus.UnsupportedFormat when header[2] == Ve1Layout.FormatVersion => new EnvelopeException(
            EnvelopeErrorReason.UnsupportedFormat,
            "The input is a VE1 message (format 0x01), not a VE1 stream: read it with Decrypt or DecryptAsync over bytes, not with the stream APIs."),
        HeaderStatus.UnsupportedFormat => new EnvelopeException(EnvelopeErrorReason.UnsupportedFormat, "The input's format byte is not that of a VE1 "
            + "stream (0x02)."),
        _ => new EnvelopeException(EnvelopeErrorReason.Malformed, $"The input is not a VE1 stream: it needs a {HeaderLength}-byte header (magic 'VE', "
            + $"format 0x02, a key version of 1 to 2^31-1, a segment size of {MinSegmentSize} to {MaxSegmentSize}) and at least one segment."),
    };

    internal static void ThrowIfSegmentSizeOutOfRange(int segmentSize, string? paramName = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentSize, MinSegmentSize, paramName ?? nameof(segmentSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(segmentSize, MaxSegmentSize, paramName ?? nameof(segmentSize));
    }

    /// <summary>The segment size field's slot.</summary>
    internal static Span<byte> SegmentSizeField(Span<byte> header) => header.Slice(SegmentSizeOffset, 4);

    /// <summary>The nonce prefix's slot.</summary>
    internal static ReadOnlySpan<byte> NoncePrefix(ReadOnlySpan<byte> header) => header.Slice(NoncePrefixOffset, NoncePrefixLength);
}
