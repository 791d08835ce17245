using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace VersionedEnvelope.Format;

/// <summary>
/// Strict base64url without padding (RFC 4648 §5), on top of the BCL's base64 codec. Works in pooled character buffers,
/// so encoding allocates only the resulting string and decoding only the resulting bytes.
/// </summary>
internal static class Base64Url
{
    public static int GetEncodedLength(int dataLength) => ((dataLength * 4) + 2) / 3;

    public static int GetDecodedLength(int textLength) => (textLength * 3) / 4;

    public static string Encode(ReadOnlySpan<byte> data) => Encode(prefix: default, data);

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
            for (int i = 0; i < encoded.Length; i++)
            {
                encoded[i] = encoded[i] switch
                {
                    '+' => '-',
                    '/' => '_',
                    char c => c,
                };
            }

            return new string(buffer, 0, prefix.Length + GetEncodedLength(data.Length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Only the url-safe alphabet, no padding, no whitespace, and a length that base64 can produce.</summary>
    public static bool IsValid(ReadOnlySpan<char> text)
    {
        if (text.Length % 4 == 1)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool TryDecode(ReadOnlySpan<char> text, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        if (!IsValid(text))
        {
            return false;
        }

        var buffer = new byte[GetDecodedLength(text.Length)];
        if (!TryDecode(text, buffer, out int written) || written != buffer.Length)
        {
            return false;
        }

        data = buffer;
        return true;
    }

    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        written = 0;
        if (!IsValid(text))
        {
            return false;
        }

        int padded = (text.Length + 3) & ~3;
        char[] standard = ArrayPool<char>.Shared.Rent(padded);
        try
        {
            for (int i = 0; i < text.Length; i++)
            {
                standard[i] = text[i] switch
                {
                    '-' => '+',
                    '_' => '/',
                    char c => c,
                };
            }

            standard.AsSpan(text.Length, padded - text.Length).Fill('=');
            return Convert.TryFromBase64Chars(standard.AsSpan(0, padded), destination, out written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(standard);
        }
    }
}
