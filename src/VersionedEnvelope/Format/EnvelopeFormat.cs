using System.Buffers.Binary;
using System.Globalization;
using VersionedEnvelope.Internal;

namespace VersionedEnvelope;

/// <summary>
/// The VE1 ciphertext format: constants and pure functions over the header and the text form. Nothing here needs a key.
/// </summary>
/// <remarks>
/// Layout (big-endian): magic "VE" (2) · format 0x01 (1) · key version (4) · wrap nonce (12) · wrapped data key (32) ·
/// wrap tag (16) · payload nonce (12) · payload (n) · payload tag (16). See docs/FORMAT.md.
/// </remarks>
public static class EnvelopeFormat
{
    /// <summary>Bytes a VE1 ciphertext adds to its plaintext: 95.</summary>
    public const int Overhead = Ve1Layout.Overhead;

    /// <summary>The format byte this library writes and reads.</summary>
    public const byte FormatVersion = Ve1Layout.FormatVersion;

    /// <summary>The prefix of every text-form ciphertext.</summary>
    public const string TextPrefix = "ve1:v";

    /// <summary>Returns the length of the VE1 ciphertext of a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    /// <param name="plaintextLength">The plaintext length, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">The length is negative or the result would exceed <see cref="int.MaxValue"/>.</exception>
    public static int GetCiphertextLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, int.MaxValue - Overhead);
        return plaintextLength + Overhead;
    }

    /// <summary>Returns the plaintext length of a VE1 ciphertext of <paramref name="ciphertextLength"/> bytes.</summary>
    /// <param name="ciphertextLength">The ciphertext length.</param>
    /// <exception cref="EnvelopeException">The length is below <see cref="Overhead"/> (<see cref="EnvelopeErrorReason.Malformed"/>).</exception>
    public static int GetPlaintextLength(int ciphertextLength)
    {
        if (ciphertextLength < Overhead)
        {
            throw TooShort(ciphertextLength);
        }

        return ciphertextLength - Overhead;
    }

    /// <summary>Reads the key version from a binary VE1 ciphertext's header, without any key.</summary>
    /// <param name="ciphertext">The binary ciphertext.</param>
    /// <returns>The key version, 1 to 2^31-1.</returns>
    /// <exception cref="EnvelopeException">The header is malformed or of an unsupported format.</exception>
    public static int GetKeyVersion(ReadOnlySpan<byte> ciphertext)
    {
        ThrowIfInvalid(Ve1Layout.ReadHeader(ciphertext, out int version), ciphertext);
        return version;
    }

    /// <summary>Tries to read the key version from a binary VE1 ciphertext's header, without any key.</summary>
    /// <param name="ciphertext">The binary ciphertext.</param>
    /// <param name="keyVersion">The key version when the header is valid; otherwise 0.</param>
    /// <returns><see langword="true"/> when the header is a valid VE1 header.</returns>
    public static bool TryGetKeyVersion(ReadOnlySpan<byte> ciphertext, out int keyVersion) =>
        Ve1Layout.ReadHeader(ciphertext, out keyVersion) == HeaderStatus.Valid;

    /// <summary>Reads the key version from a text-form ciphertext (<c>ve1:v{version}:{base64url}</c>), decoding only its header.</summary>
    /// <param name="text">The text-form ciphertext.</param>
    /// <returns>The key version, which the visible prefix and the header agree on.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="EnvelopeException">The text is malformed or its header unsupported.</exception>
    public static int GetKeyVersion(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var status = ReadTextHeader(text, out int version);
        if (status != HeaderStatus.Valid)
        {
            throw status == HeaderStatus.UnsupportedFormat
                ? new EnvelopeException(EnvelopeErrorReason.UnsupportedFormat, "The ciphertext's format byte is not VE1.")
                : new EnvelopeException(EnvelopeErrorReason.Malformed, "The text is not a VE1 text-form ciphertext ('ve1:v{version}:{base64url}') whose "
                    + "version matches its header.");
        }

        return version;
    }

    /// <summary>Tries to read the key version from a text-form ciphertext, decoding only its header.</summary>
    /// <param name="text">The text-form ciphertext.</param>
    /// <param name="keyVersion">The key version when valid; otherwise 0.</param>
    /// <returns><see langword="true"/> when the text is well formed and its prefix matches its header.</returns>
    public static bool TryGetKeyVersion(string? text, out int keyVersion)
    {
        keyVersion = 0;
        return text is not null && ReadTextHeader(text, out keyVersion) == HeaderStatus.Valid;
    }

    /// <summary>Returns <see langword="true"/> when <paramref name="text"/> starts like a VE1 text-form ciphertext.</summary>
    /// <param name="text">Any text.</param>
    public static bool IsTextForm(ReadOnlySpan<char> text) => text.StartsWith(TextPrefix, StringComparison.Ordinal);

    /// <summary>Writes a binary VE1 ciphertext in text form: <c>ve1:v{version}:{base64url, no padding}</c>.</summary>
    /// <param name="ciphertext">A binary VE1 ciphertext.</param>
    /// <returns>The text form.</returns>
    /// <exception cref="EnvelopeException">The input is not a VE1 ciphertext.</exception>
    public static string ToText(ReadOnlySpan<byte> ciphertext) => ToText(ciphertext, ciphertext.Length);

    /// <summary>
    /// The text form of a ciphertext's first <paramref name="byteCount"/> bytes: its prefix and their base64url. A whole
    /// number of base64 groups (a multiple of 3 bytes) is the start of the whole ciphertext's text form.
    /// </summary>
    internal static string ToText(ReadOnlySpan<byte> ciphertext, int byteCount)
    {
        int version = GetKeyVersion(ciphertext);
        Span<char> prefix = stackalloc char[TextPrefix.Length + 11];
        TextPrefix.CopyTo(prefix);
        version.TryFormat(prefix[TextPrefix.Length..], out int digits, provider: CultureInfo.InvariantCulture);
        prefix[TextPrefix.Length + digits] = ':';
        return Base64Url.Encode(prefix[..(TextPrefix.Length + digits + 1)], ciphertext[..byteCount]);
    }

    /// <summary>Decodes a text-form ciphertext into its binary form, checking that the visible version matches the header.</summary>
    /// <param name="text">The text-form ciphertext.</param>
    /// <returns>The binary ciphertext.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="EnvelopeException">The text is malformed (<see cref="EnvelopeErrorReason.Malformed"/>) or of an unsupported format.</exception>
    public static byte[] FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParseTextPrefix(text, out int textVersion, out int payloadStart)
            || !Base64Url.TryDecode(text.AsSpan(payloadStart), out byte[]? binary))
        {
            throw NotTextForm();
        }

        ThrowIfVersionsDiffer(textVersion, binary);
        return binary;
    }

    /// <summary>The error for a text that is not a VE1 text form (as a whole, or as the head of a stored one).</summary>
    internal static EnvelopeException NotTextForm() =>
        new(EnvelopeErrorReason.Malformed, "The text is not a VE1 text-form ciphertext ('ve1:v{version}:{base64url}').");

    /// <summary>Throws unless the decoded header names the version the text form's prefix names.</summary>
    internal static void ThrowIfVersionsDiffer(int textVersion, ReadOnlySpan<byte> binary)
    {
        int headerVersion = GetKeyVersion(binary);
        if (headerVersion != textVersion)
        {
            throw new EnvelopeException(
                EnvelopeErrorReason.Malformed,
                $"The text form names key version {textVersion} but its header names {headerVersion}.",
                headerVersion);
        }
    }

    /// <summary>Throws the error for a header that is not a VE1 message's, naming the stream APIs when it is a VE1 stream's.</summary>
    internal static void ThrowIfInvalid(HeaderStatus status, ReadOnlySpan<byte> ciphertext)
    {
        int length = ciphertext.Length;
        switch (status)
        {
            case HeaderStatus.Valid:
                return;
            case HeaderStatus.UnsupportedFormat when ciphertext[2] == Streams.EnvelopeStreamFormat.FormatVersion:
                throw new EnvelopeException(EnvelopeErrorReason.UnsupportedFormat, "The input is a VE1 stream (format 0x02), not a VE1 message: read it "
                    + "with DecryptAsync(Stream, Stream) or OpenDecryptStream.");
            case HeaderStatus.UnsupportedFormat:
                throw new EnvelopeException(EnvelopeErrorReason.UnsupportedFormat, "The ciphertext's format byte is not VE1 (0x01); it was written by a "
                    + "newer or different format.");
            default:
                throw new EnvelopeException(
                    EnvelopeErrorReason.Malformed,
                    length < Overhead ? TooShortMessage(length) : "The input is not a VE1 ciphertext: bad magic or key version field.");
        }
    }

    private static HeaderStatus ReadTextHeader(string text, out int version)
    {
        version = 0;
        if (!TryParseTextPrefix(text, out int textVersion, out int payloadStart))
        {
            return HeaderStatus.Malformed;
        }

        // 12 base64 characters hold the first 9 bytes, which cover the 7-byte header; the length check needs no decode.
        var payload = text.AsSpan(payloadStart);
        if (!Base64Url.IsValid(payload) || Base64Url.GetDecodedLength(payload.Length) < Overhead)
        {
            return HeaderStatus.Malformed;
        }

        Span<byte> head = stackalloc byte[9];
        if (!Base64Url.TryDecode(payload[..12], head, out _))
        {
            return HeaderStatus.Malformed;
        }

        if (head[0] != Ve1Layout.Magic0 || head[1] != Ve1Layout.Magic1)
        {
            return HeaderStatus.Malformed;
        }

        if (head[2] != FormatVersion)
        {
            return HeaderStatus.UnsupportedFormat;
        }

        uint raw = BinaryPrimitives.ReadUInt32BigEndian(head.Slice(Ve1Layout.VersionOffset, 4));
        if (raw != (uint)textVersion)
        {
            return HeaderStatus.Malformed;
        }

        version = textVersion;
        return HeaderStatus.Valid;
    }

    internal static bool TryParseTextPrefix(string text, out int version, out int payloadStart)
    {
        version = 0;
        payloadStart = 0;
        if (!text.StartsWith(TextPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        int colon = text.IndexOf(':', TextPrefix.Length);
        var digits = colon < 0 ? default : text.AsSpan(TextPrefix.Length, colon - TextPrefix.Length);

        // Canonical decimal only ([1-9][0-9]* in ASCII: no sign, no leading zero, nothing else; int.TryParse alone would
        // accept trailing NULs), so a SQL prefix match on 've1:vN:' is exact.
        if (digits.IsEmpty || digits.Length > 10 || digits[0] == '0' || digits.ContainsAnyExceptInRange('0', '9')
            || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out version))
        {
            version = 0;
            return false;
        }

        payloadStart = colon + 1;
        return true;
    }

    private static EnvelopeException TooShort(int length) => new(EnvelopeErrorReason.Malformed, TooShortMessage(length));

    private static string TooShortMessage(int length) =>
        $"The ciphertext is {length} bytes long; a VE1 ciphertext has at least {Overhead}.";
}
