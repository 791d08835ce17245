namespace VersionedEnvelope;

/// <summary>One batch handed to the host to save, in one transaction of its own, together with its checkpoint.</summary>
/// <typeparam name="TRecord">The host's record type.</typeparam>
/// <param name="Changed">The records whose ciphertext changed (possibly none).</param>
/// <param name="Scanned">How many records the batch covered.</param>
/// <param name="Checkpoint">The id of the batch's last record: store it with the batch, and resume after it.</param>
public sealed record ReencryptionBatch<TRecord>(IReadOnlyList<ReencryptedRecord<TRecord>> Changed, int Scanned, string Checkpoint);
