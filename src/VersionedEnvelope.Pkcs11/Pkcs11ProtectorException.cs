using System.Security.Cryptography;

namespace VersionedEnvelope.Pkcs11;

/// <summary>
/// The PKCS#11 token could not be used: the library, the token or the key is missing, the PIN was refused, or the token
/// refused an operation. The message names the library, the token and the key label, never the PIN or key bytes.
/// </summary>
public sealed class Pkcs11ProtectorException : CryptographicException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, with the token and key label.</param>
    /// <param name="innerException">The PKCS#11 library's own error, if any.</param>
    public Pkcs11ProtectorException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
