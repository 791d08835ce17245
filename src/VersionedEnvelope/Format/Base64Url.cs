using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace VersionedEnvelope;

/// <summary>
/// Strict base64url without padding (RFC 4648 §5), on top of the BCL's base64 codec. Works in pooled character buffers,
/// so encoding allocates only the resulting string and decoding only the resulting bytes.
/// </summary>
internal static class Base64Url
{
    private static readonly SearchValues<char> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static int GetEncodedLength(int dataLength) => ((dataLength * 4) + 2) / 3;

    public static int GetDecodedLength(int textLength) => (textLength * 3) / 4;

    /// <summary>Writes <paramref name="prefix"/> followed by the base64url of <paramref name="data"/> into one new string.</summary>
    public static string Encode(ReadOnlySpan<char> prefix, ReadOnlySpan<byte> data)
    {
        int padded = ((data.Length + 2) / 3) * 4;
        char[] buffer = ArrayPool<char>.Shared.Rent(prefix.Length + padded);
        try
        {
            prefix.CopyTo(buffer);
            var encoded = buffer.AsSpan(prefix.Length, padded);
            Convert.TryToBase64Chars(data, encoded, out _);
            encoded.Replace('+', '-');
            encoded.Replace('/', '_');

            return new string(buffer, 0, prefix.Length + GetEncodedLength(data.Length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Only the url-safe alphabet, no padding, no whitespace, a length that base64 can produce, and the canonical
    /// spelling.
    /// </summary>
    /// <remarks>
    /// The unused low bits of the last character are zero (the BCL decoder ignores them, which would give one
    /// ciphertext several spellings).
    /// </remarks>
    public static bool IsValid(ReadOnlySpan<char> text)
    {
        if (text.Length % 4 == 1 || text.ContainsAnyExcept(Alphabet))
        {
            return false;
        }

        int unusedBits = (text.Length % 4) switch { 2 => 0b1111, 3 => 0b11, _ => 0 };
        return unusedBits == 0 || (SextetOf(text[^1]) & unusedBits) == 0;
    }

    /// <summary>The 6-bit value of a base64url character (the alphabet was checked already).</summary>
    private static int SextetOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };

    public static bool TryDecode(ReadOnlySpan<char> text, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        if (!IsValid(text))
        {
            return false;
        }

        var buffer = new byte[GetDecodedLength(text.Length)];
        if (!TryDecodeValid(text, buffer, out int written) || written != buffer.Length)
        {
            return false;
        }

        data = buffer;
        return true;
    }

    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        written = 0;
        return IsValid(text) && TryDecodeValid(text, destination, out written);
    }

    private static bool TryDecodeValid(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        int padded = (text.Length + 3) & ~3;
        char[] standard = ArrayPool<char>.Shared.Rent(padded);
        try
        {
            var chars = standard.AsSpan(0, text.Length);
            text.CopyTo(chars);
            chars.Replace('-', '+');
            chars.Replace('_', '/');
            standard.AsSpan(text.Length, padded - text.Length).Fill('=');
            return Convert.TryFromBase64Chars(standard.AsSpan(0, padded), destination, out written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(standard);
        }
    }
}
