using System.Security.Cryptography;

namespace VersionedEnvelope;

/// <summary>
/// The single exception type for every failure to read a ciphertext. Its <see cref="Reason"/> is machine-readable;
/// its message never holds key material or plaintext.
/// </summary>
public sealed class EnvelopeException : CryptographicException
{
    /// <summary>Creates an exception with <see cref="EnvelopeErrorReason.Malformed"/> as its reason.</summary>
    public EnvelopeException()
        : this(EnvelopeErrorReason.Malformed, "The ciphertext could not be read.")
    {
    }

    /// <summary>Creates an exception with <see cref="EnvelopeErrorReason.Malformed"/> as its reason.</summary>
    /// <param name="message">A message that holds no secret.</param>
    public EnvelopeException(string message)
        : this(EnvelopeErrorReason.Malformed, message)
    {
    }

    /// <summary>Creates an exception with <see cref="EnvelopeErrorReason.Malformed"/> as its reason.</summary>
    /// <param name="message">A message that holds no secret.</param>
    /// <param name="innerException">The cause.</param>
    public EnvelopeException(string message, Exception? innerException)
        : this(EnvelopeErrorReason.Malformed, message, keyVersion: null, innerException)
    {
    }

    /// <summary>Creates an exception.</summary>
    /// <param name="reason">Why the ciphertext could not be read.</param>
    /// <param name="message">A message that holds no secret.</param>
    /// <param name="keyVersion">The key version named by the ciphertext, when it could be read.</param>
    /// <param name="innerException">The cause, if any.</param>
    public EnvelopeException(EnvelopeErrorReason reason, string message, int? keyVersion = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        KeyVersion = keyVersion;
    }

    /// <summary>Why the ciphertext could not be read.</summary>
    public EnvelopeErrorReason Reason { get; }

    /// <summary>The key version named by the ciphertext's header, or <see langword="null"/> when it could not be read.</summary>
    public int? KeyVersion { get; }
}
