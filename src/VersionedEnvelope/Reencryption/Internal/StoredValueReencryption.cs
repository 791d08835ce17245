using System.ComponentModel;
using System.Security.Cryptography;

namespace VersionedEnvelope.Reencryption.Internal;

/// <summary>Not for general use; it may change in any release. How a re-encryption run moves one stored text value.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StoredValueReencryption
{
    /// <summary>
    /// Moves a stored text value to the active key version, whatever form it was stored in: a VE1 text form is rewrapped
    /// (only its data key; the payload is copied), standard base64 of a binary VE1 ciphertext is rewrapped into the text
    /// form, and standard base64 of a legacy ciphertext is decrypted and encrypted anew (the encryptor must allow legacy
    /// input), its plaintext cleared. What <see cref="BatchReencryptor"/> and the EF Core package's <c>ReencryptAsync</c> do to each value.
    /// </summary>
    /// <param name="encryptor">The encryptor.</param>
    /// <param name="stored">The stored value.</param>
    /// <param name="associatedData">The value's associated data; only legacy input needs it (a rewrap never touches the payload).</param>
    /// <param name="previousVersion">The version the value was under; 0 for legacy input.</param>
    /// <returns>The text form under the active version; the same instance when the value already was.</returns>
    /// <exception cref="EnvelopeException">
    /// The value cannot be read: <see cref="EnvelopeErrorReason.Malformed"/> when it is neither a VE1 text form nor base64.
    /// </exception>
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
