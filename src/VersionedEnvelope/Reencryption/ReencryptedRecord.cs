namespace VersionedEnvelope;

/// <summary>A record whose ciphertext moved to the active key version. Holds ciphertexts only, never plaintext.</summary>
/// <typeparam name="TRecord">The host's record type.</typeparam>
public sealed class ReencryptedRecord<TRecord>
{
    /// <summary>Pairs a record with its new ciphertext.</summary>
    /// <param name="record">The host's record, as it was read.</param>
    /// <param name="ciphertext">The new text-form ciphertext to store.</param>
    /// <param name="fromVersion">The key version it was under; 0 for legacy input.</param>
    /// <param name="toVersion">The key version it is under now.</param>
    public ReencryptedRecord(TRecord record, string ciphertext, int fromVersion, int toVersion)
    {
        Record = record;
        Ciphertext = ciphertext;
        FromVersion = fromVersion;
        ToVersion = toVersion;
    }

    /// <summary>The host's record, as it was read.</summary>
    public TRecord Record { get; }

    /// <summary>The new text-form ciphertext to store.</summary>
    public string Ciphertext { get; }

    /// <summary>The key version it was under; 0 for legacy input.</summary>
    public int FromVersion { get; }

    /// <summary>The key version it is under now.</summary>
    public int ToVersion { get; }

    /// <summary>Describes the move without the ciphertext.</summary>
    /// <returns>For example <c>v1 → v3</c>.</returns>
    public override string ToString() => $"v{FromVersion} → v{ToVersion}";
}
