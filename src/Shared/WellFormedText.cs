namespace Shared;

/// <summary>
/// Compiled into each package that needs it (linked, internal): whether UTF-16 text is well-formed, with no lone
/// surrogate, as JSON text and names written into JSON must be.
/// </summary>
internal static class WellFormedText
{
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
