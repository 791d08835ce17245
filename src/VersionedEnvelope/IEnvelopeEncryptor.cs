namespace VersionedEnvelope;

/// <summary>
/// Versioned envelope encryption (VE1): AES-256-GCM under a fresh data key per message, the data key wrapped by the
/// active key version. Safe for concurrent use. Every failure to read a ciphertext is an <see cref="EnvelopeException"/>.
/// </summary>
/// <remarks>
/// The interface holds only what an implementation must provide: the span forms (caller's buffers, no allocation), which
/// always take three arguments, associated data included (pass <see langword="default"/> for none). The array, text and
/// string forms are extension methods in <see cref="EnvelopeEncryptorExtensions"/>, so every implementation and every
/// decorator has them; they take one or two arguments, so an array is never taken for a destination by mistake.
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

    /// <summary>Decrypts into the caller's buffer.</summary>
    /// <param name="ciphertext">A binary ciphertext.</param>
    /// <param name="destination">At least the plaintext length (ciphertext length − 95).</param>
    /// <param name="associatedData">The associated data given to encrypt.</param>
    /// <returns>Bytes written, the key version and whether the ciphertext needs re-encryption.</returns>
    /// <exception cref="EnvelopeException">The ciphertext cannot be read; see <see cref="EnvelopeException.Reason"/>.</exception>
    EnvelopeDecryptResult Decrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination, ReadOnlySpan<byte> associatedData);

    /// <summary>
    /// Moves a VE1 ciphertext to the active key version without touching its payload: only the data key is unwrapped
    /// and wrapped again, so the cost does not depend on the message size. Current input is copied unchanged.
    /// </summary>
    /// <param name="ciphertext">A binary VE1 ciphertext.</param>
    /// <param name="destination">At least as long as <paramref name="ciphertext"/>; may be the same memory.</param>
    /// <returns><see langword="true"/> when the ciphertext was rewrapped, <see langword="false"/> when it was already current.</returns>
    /// <exception cref="EnvelopeException">The header or the wrapped data key cannot be read.</exception>
    bool Rewrap(ReadOnlySpan<byte> ciphertext, Span<byte> destination);
}
