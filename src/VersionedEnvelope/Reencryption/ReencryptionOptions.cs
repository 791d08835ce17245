namespace VersionedEnvelope;

/// <summary>How <see cref="BatchReencryptor"/> reads and saves the host's records.</summary>
/// <typeparam name="TRecord">The host's record type.</typeparam>
public sealed class ReencryptionOptions<TRecord> : ReencryptionRunOptions
{
    /// <summary>The record's unique id (reported with failures and used as the checkpoint).</summary>
    public required Func<TRecord, string> GetId { get; init; }

    /// <summary>The record's text-form ciphertext (legacy input: standard base64 of the headerless bytes).</summary>
    public required Func<TRecord, string> GetCiphertext { get; init; }

    /// <summary>The record's associated data (UTF-8). Only legacy input needs it: a VE1 rewrap never touches the payload.</summary>
    public Func<TRecord, string?>? GetAssociatedData { get; init; }

    /// <summary>
    /// Saves one batch in the host's own transaction, together with the batch's checkpoint. Called for every batch, even
    /// one with no changed record, so the checkpoint always advances.
    /// </summary>
    public required Func<ReencryptionBatch<TRecord>, CancellationToken, ValueTask> SaveBatchAsync { get; init; }
}
