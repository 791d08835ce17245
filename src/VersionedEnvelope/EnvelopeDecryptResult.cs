namespace VersionedEnvelope;

/// <summary>
/// The outcome of a span-based decryption (<see cref="IEnvelopeEncryptor.Decrypt(ReadOnlySpan{byte}, Span{byte}, ReadOnlySpan{byte})"/>), whose
/// plaintext went into the caller's buffer. <see cref="DecryptedEnvelope"/> is the array-based form's outcome, which owns its plaintext.
/// </summary>
public readonly record struct EnvelopeDecryptResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="bytesWritten">Plaintext bytes written to the destination.</param>
    /// <param name="keyVersion">The key version that protected the ciphertext.</param>
    /// <param name="needsReencryption"><see langword="true"/> when that version is not the active one, or the input was legacy.</param>
    /// <param name="isLegacy"><see langword="true"/> when the input was a headerless pre-versioning ciphertext.</param>
    public EnvelopeDecryptResult(int bytesWritten, int keyVersion, bool needsReencryption, bool isLegacy)
    {
        BytesWritten = bytesWritten;
        KeyVersion = keyVersion;
        NeedsReencryption = needsReencryption;
        IsLegacy = isLegacy;
    }

    /// <summary>Plaintext bytes written to the destination.</summary>
    public int BytesWritten { get; }

    /// <summary>The key version that protected the ciphertext.</summary>
    public int KeyVersion { get; }

    /// <summary><see langword="true"/> when that version is not the active one, or the input was legacy.</summary>
    public bool NeedsReencryption { get; }

    /// <summary><see langword="true"/> when the input was a headerless pre-versioning ciphertext.</summary>
    public bool IsLegacy { get; }
}
