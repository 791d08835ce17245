using System.ComponentModel;
using System.Security.Cryptography;

namespace VersionedEnvelope.Reencryption.Internal;

/// <summary>Not for general use; it may change in any release. How a re-encryption run moves one stored text value.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
internal static class StoredValueReencryption
{
    /// <summary>
    /// The most characters of a VE1 text form that a rewrap can change, counted from its start: the longest prefix
    /// (<c>ve1:v2147483647:</c>, 16 characters) and the base64url of the first 69 bytes (92 characters).
    /// </summary>
    /// <remarks>
    /// A rewrap changes bytes 3..66 only, and 69 bytes are 23 whole base64 groups, so every character after a text's
    /// head is the same before and after it.
    /// </remarks>
    public const int MaxTextHeadLength = 16 + HeadCharacters;

    /// <summary>The header (bytes 0..66) rounded up to whole base64 groups of 3 bytes.</summary>
    private const int HeadBytes = 69;

    private const int HeadCharacters = HeadBytes / 3 * 4;

    /// <summary>
    /// Rewraps a stored VE1 text form from its head alone: the database keeps the rest of the value where it is and
    /// writes <c>newHead || rest</c>, so a re-encryption moves a few dozen bytes a row whatever the secret's size.
    /// </summary>
    /// <param name="encryptor">
    /// The package's own encryptor: its rewrap is known to read and change bytes 3..66 only (the interface promises the
    /// payload is untouched, not which bytes are read).
    /// </param>
    /// <param name="start">The stored value's first characters: at least its head (<see cref="MaxTextHeadLength"/> are always enough).</param>
    /// <param name="storedLength">The whole stored value's length in characters.</param>
    /// <param name="head">The stored value's head: the characters a database compares and replaces.</param>
    /// <returns>The head under the active version; <paramref name="head"/> itself when the value already was.</returns>
    /// <exception cref="EnvelopeException">The value is not a well-formed VE1 text form, or its data key cannot be unwrapped.</exception>
    /// <remarks>
    /// The head is checked as <see cref="EnvelopeFormat.FromText"/> checks a whole text (the prefix, the header, the
    /// version they both name, the length the whole value must have), and the data key is unwrapped, so a wrong key
    /// fails here; the payload is not read, as a binary rewrap never reads it: decryption reports a damaged one.
    /// </remarks>
    public static string RewrapTextHead(EnvelopeEncryptor encryptor, string start, int storedLength, out string head)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(start);

        // The head's bytes in a buffer of the shortest ciphertext's size: a rewrap reads and writes bytes 0..66 only.
        Span<byte> binary = stackalloc byte[EnvelopeFormat.Overhead];
        binary.Clear();
        if (!EnvelopeFormat.TryParseTextPrefix(start, out int textVersion, out int payloadStart)
            || start.Length < payloadStart + HeadCharacters
            || storedLength < start.Length
            || !Base64Url.TryDecode(start.AsSpan(payloadStart, HeadCharacters), binary, out _))
        {
            throw EnvelopeFormat.NotTextForm();
        }

        // A length base64 cannot produce, or one too short for a ciphertext, is malformed however the head reads.
        int payloadCharacters = storedLength - payloadStart;
        if (payloadCharacters % 4 == 1 || Base64Url.GetDecodedLength(payloadCharacters) < EnvelopeFormat.Overhead)
        {
            throw new EnvelopeException(EnvelopeErrorReason.Malformed, "The stored text's length is not one a VE1 text-form ciphertext can have.");
        }

        EnvelopeFormat.ThrowIfVersionsDiffer(textVersion, binary);
        head = start.Length == payloadStart + HeadCharacters ? start : start[..(payloadStart + HeadCharacters)];
        return encryptor.Rewrap(binary, binary) ? EnvelopeFormat.ToText(binary, HeadBytes) : head;
    }

    /// <summary>Moves a stored text value to the active key version, whatever form it was stored in.</summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="stored">The stored value.</param>
    /// <param name="associatedData">The value's associated data; only legacy input needs it (a rewrap never touches the payload).</param>
    /// <param name="previousVersion">The version the value was under; 0 for legacy input.</param>
    /// <returns>The text form under the active version; the same instance when the value already was.</returns>
    /// <exception cref="EnvelopeException">
    /// The value cannot be read: <see cref="EnvelopeErrorReason.Malformed"/> when it is neither a VE1 text form nor base64.
    /// </exception>
    /// <remarks>
    /// A VE1 text form is rewrapped (only its data key; the payload is copied), standard base64 of a binary VE1
    /// ciphertext is rewrapped into the text form, and standard base64 of a legacy ciphertext is decrypted and
    /// encrypted anew (the encryptor must allow legacy input), its plaintext cleared. What <see
    /// cref="BatchReencryptor"/> and the EF Core package's <c>ReencryptAsync</c> do to each value.
    /// </remarks>
    public static string ReencryptText(IEnvelopeEncryptor encryptor, string stored, ReadOnlySpan<byte> associatedData, out int previousVersion)
    {
        ArgumentNullException.ThrowIfNull(encryptor);
        ArgumentNullException.ThrowIfNull(stored);
        if (EnvelopeFormat.TryGetKeyVersion(stored, out previousVersion))
        {
            return encryptor.RewrapText(stored);
        }

        byte[] binary;
        try
        {
            binary = Convert.FromBase64String(stored);
        }
        catch (FormatException)
        {
            throw new EnvelopeException(EnvelopeErrorReason.Malformed, "The ciphertext is neither VE1 text form nor base64 legacy input.");
        }

        var decrypted = EnvelopeEncryptorExtensions.Decrypt(encryptor, binary, associatedData);
        try
        {
            if (!decrypted.IsLegacy)
            {
                // Base64 of a binary VE1 ciphertext: stored in text form from now on, rewrapped.
                previousVersion = decrypted.KeyVersion;
                return encryptor.RewrapText(EnvelopeFormat.ToText(binary));
            }

            previousVersion = 0;
            return encryptor.EncryptToText(decrypted.Plaintext, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decrypted.Plaintext);
        }
    }
}
