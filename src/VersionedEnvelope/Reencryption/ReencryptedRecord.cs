namespace VersionedEnvelope;

/// <summary>A record whose ciphertext moved to the active key version. Holds ciphertexts only, never plaintext.</summary>
/// <typeparam name="TRecord">The host's record type.</typeparam>
/// <param name="Record">The host's record, as it was read.</param>
/// <param name="Ciphertext">The new text-form ciphertext to store.</param>
/// <param name="FromVersion">The key version it was under; 0 for legacy input.</param>
/// <param name="ToVersion">The key version it is under now.</param>
public sealed record ReencryptedRecord<TRecord>(TRecord Record, string Ciphertext, int FromVersion, int ToVersion);
