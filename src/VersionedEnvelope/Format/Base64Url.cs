using System.Diagnostics.CodeAnalysis;

namespace VersionedEnvelope.Format;

/// <summary>Strict base64url without padding (RFC 4648 §5), on top of the BCL's base64 codec.</summary>
internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data)
    {
        string text = Convert.ToBase64String(data);
        return text.TrimEnd('=').Replace('+', '-').Replace('/', '_');
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

    public static int GetDecodedLength(int textLength) => (textLength * 3) / 4;

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
        char[] standard = new char[padded];
        for (int i = 0; i < text.Length; i++)
        {
            standard[i] = text[i] switch
            {
                '-' => '+',
                '_' => '/',
                char c => c,
            };
        }

        standard.AsSpan(text.Length).Fill('=');
        return Convert.TryFromBase64Chars(standard, destination, out written);
    }
}
