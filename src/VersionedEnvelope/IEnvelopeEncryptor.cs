namespace VersionedEnvelope;

/// <summary>
/// Versioned envelope encryption (VE1): AES-256-GCM under a fresh data key per message, the data key wrapped by the
/// active key version. Safe for concurrent use. Every failure to read a ciphertext is an <see cref="EnvelopeException"/>.
/// </summary>
/// <remarks>
/// The span forms (caller's buffers, no allocation) always take three arguments, associated data included (pass
/// <see langword="default"/> for none); the array and string conveniences take one or two. The number of arguments
/// therefore tells the two forms apart, and an array can never be taken for a destination by mistake.
/// </remarks>
public interface IEnvelopeEncryptor
{
    /// <summary>The key version new ciphertexts are written under.</summary>
    int ActiveKeyVersion { get; }

    /// <summary>Returns the ciphertext length for a plaintext length (plaintext + 95).</summary>
    /// <param name="plaintextLength">Zero or more.</param>
    /// <returns>The exact ciphertext length.</returns>
    int GetCiphertextLength(int plaintextLength);

    /// <summary>Encrypts into the caller's buffer without allocating.</summary>
    /// <param name="plaintext">The plaintext; must not overlap <paramref name="destination"/>.</param>
    /// <param name="destination">At least <see cref="GetCiphertextLength"/> bytes.</param>
    /// <param name="associatedData">Data bound to the ciphertext but not stored in it (for example a row id); the same must be given to decrypt.</param>
    /// <returns>Bytes written.</returns>
    int Encrypt(ReadOnlySpan<byte> plaintext, Span<byte> destination, ReadOnlySpan<byte> associatedData);

    /// <summary>Encrypts to a new array.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="associatedData">Optional associated data.</param>
    /// <returns>The binary ciphertext.</returns>
    byte[] Encrypt(byte[] plaintext, byte[]? associatedData = null);

    /// <summary>Encrypts to the text form <c>ve1:v{version}:{base64url}</c>.</summary>
    /// <param name="plaintext">The plaintext.</param>
    /// <param name="associatedData">Optional associated data.</param>
    /// <returns>The text-form ciphertext.</returns>
    string EncryptToText(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData = default);

    /// <summary>Encrypts a string (UTF-8) to the text form, with optional UTF-8 associated data.</summary>
    /// <param name="plaintext">The text to protect.</param>
    /// <param name="associatedData">Optional associated data, for example <c>"UserProfile:42:apiKey"</c>.</param>
    /// <returns>The text-form ciphertext.</returns>
    string EncryptString(string plaintext, string? associatedData = null);

    /// <summary>Decrypts into the caller's buffer.</summary>
    /// <param name="ciphertext">A binary ciphertext.</param>
    /// <param name="destination">At least the plaintext length (ciphertext length − 95).</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>Bytes written, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The ciphertext cannot be read; see <see cref="EnvelopeException.Reason"/>.</exception>
    EnvelopeDecryptResult Decrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData);

    /// <summary>Decrypts a binary ciphertext.</summary>
    /// <param name="ciphertext">The binary ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>The plaintext, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The ciphertext cannot be read.</exception>
    DecryptedEnvelope Decrypt(byte[] ciphertext, byte[]? associatedData = null);

    /// <summary>Decrypts a text-form ciphertext.</summary>
    /// <param name="text">The text-form ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>The plaintext, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The text or its ciphertext cannot be read.</exception>
    DecryptedEnvelope DecryptText(string text, byte[]? associatedData = null);

    /// <summary>Decrypts a text-form ciphertext made by <see cref="EncryptString"/>.</summary>
    /// <param name="text">The text-form ciphertext.</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>The plaintext string.</returns>
    /// <exception cref="EnvelopeException">The text or its ciphertext cannot be read.</exception>
    string DecryptString(string text, string? associatedData = null);

    /// <summary>
    /// Moves a VE1 ciphertext to the active key version without touching its payload: only the data key is unwrapped
    /// and wrapped again, so the cost does not depend on the message size. Current input is copied unchanged.
    /// </summary>
    /// <param name="ciphertext">A binary VE1 ciphertext.</param>
    /// <param name="destination">At least as long as <paramref name="ciphertext"/>; may be the same memory.</param>
    /// <returns><see langword="true"/> when the ciphertext was rewrapped, <see langword="false"/> when it was already current.</returns>
    /// <exception cref="EnvelopeException">The header or the wrapped data key cannot be read.</exception>
    bool Rewrap(ReadOnlySpan<byte> ciphertext, Span<byte> destination);

    /// <summary>Rewraps a binary ciphertext; returns the same array when it is already current.</summary>
    /// <param name="ciphertext">A binary VE1 ciphertext.</param>
    /// <returns>A ciphertext under the active version with the same payload bytes.</returns>
    /// <exception cref="EnvelopeException">The header or the wrapped data key cannot be read.</exception>
    byte[] Rewrap(byte[] ciphertext);

    /// <summary>Rewraps a text-form ciphertext; returns the same string when it is already current.</summary>
    /// <param name="text">A text-form ciphertext.</param>
    /// <returns>A text-form ciphertext under the active version.</returns>
    /// <exception cref="EnvelopeException">The text, header or wrapped data key cannot be read.</exception>
    string RewrapText(string text);
}
