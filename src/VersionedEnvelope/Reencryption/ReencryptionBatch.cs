namespace VersionedEnvelope;

/// <summary>One batch handed to the host to save, in one transaction of its own, together with its checkpoint.</summary>
/// <typeparam name="TRecord">The host's record type.</typeparam>
public sealed class ReencryptionBatch<TRecord>
{
    /// <summary>Creates a batch.</summary>
    /// <param name="changed">The records whose ciphertext changed (possibly none).</param>
    /// <param name="scanned">How many records the batch covered.</param>
    /// <param name="checkpoint">The id of the batch's last record: store it with the batch, and resume after it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="changed"/> or <paramref name="checkpoint"/> is null.</exception>
    public ReencryptionBatch(IReadOnlyList<ReencryptedRecord<TRecord>> changed, int scanned, string checkpoint)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ArgumentNullException.ThrowIfNull(checkpoint);
        Changed = changed;
        Scanned = scanned;
        Checkpoint = checkpoint;
    }

    /// <summary>The records whose ciphertext changed (possibly none).</summary>
    public IReadOnlyList<ReencryptedRecord<TRecord>> Changed { get; }

    /// <summary>How many records the batch covered.</summary>
    public int Scanned { get; }

    /// <summary>The id of the batch's last record: store it with the batch, and resume after it.</summary>
    public string Checkpoint { get; }

    /// <summary>Describes the batch.</summary>
    /// <returns>For example <c>500 scanned, 498 changed, up to user-0500</c>.</returns>
    public override string ToString() => $"{Scanned} scanned, {Changed.Count} changed, up to {Checkpoint}";
}
