namespace VersionedEnvelope;

/// <summary>The outcome of a span-based decryption.</summary>
/// <param name="BytesWritten">Plaintext bytes written to the destination.</param>
/// <param name="KeyVersion">The key version that protected the ciphertext.</param>
/// <param name="NeedsReencryption"><see langword="true"/> when that version is not the active one, or the input was legacy.</param>
/// <param name="IsLegacy"><see langword="true"/> when the input was a headerless pre-versioning ciphertext.</param>
public readonly record struct EnvelopeDecryptResult(int BytesWritten, int KeyVersion, bool NeedsReencryption, bool IsLegacy);
