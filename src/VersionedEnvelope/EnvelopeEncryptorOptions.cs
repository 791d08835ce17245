using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace VersionedEnvelope;

/// <summary>Options of the envelope encryptor: the opt-in data-key cache and legacy input. Validated at start-up.</summary>
public sealed class EnvelopeEncryptorOptions
{
    /// <summary>The opt-in data-key cache for hot encryption paths. Off by default.</summary>
    [ValidateObjectMembers]
    public DataKeyCacheOptions DataKeyCache { get; } = new();

    /// <summary>
    /// Whether decryption accepts headerless pre-versioning ciphertexts (<c>nonce ‖ ciphertext ‖ tag</c> under a raw
    /// key-encryption key), trying each usable version newest first. Default <see langword="false"/>.
    /// </summary>
    public bool AllowLegacyCiphertexts { get; set; }

    /// <summary>
    /// The plaintext bytes in each segment of a VE1 stream this encryptor writes (it reads any segment size). Default
    /// 64 KiB; 1 KiB to 16 MiB. Memory of a stream operation is about two segments.
    /// </summary>
    [Range(Streams.EnvelopeStreamFormat.MinSegmentSize, Streams.EnvelopeStreamFormat.MaxSegmentSize)]
    public int StreamSegmentSize { get; set; } = Streams.EnvelopeStreamFormat.DefaultSegmentSize;
}
