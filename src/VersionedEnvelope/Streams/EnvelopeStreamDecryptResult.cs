namespace VersionedEnvelope.Streams;

/// <summary>The outcome of <see cref="EnvelopeEncryptor.DecryptAsync(Stream, Stream, ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
public sealed class EnvelopeStreamDecryptResult
{
    internal EnvelopeStreamDecryptResult(long plaintextLength, int keyVersion, bool needsReencryption)
    {
        PlaintextLength = plaintextLength;
        KeyVersion = keyVersion;
        NeedsReencryption = needsReencryption;
    }

    /// <summary>Plaintext bytes written.</summary>
    public long PlaintextLength { get; }

    /// <summary>The key version that protected the ciphertext.</summary>
    public int KeyVersion { get; }

    /// <summary><see langword="true"/> when that version is not the active one: rewrap the ciphertext.</summary>
    public bool NeedsReencryption { get; }
}
