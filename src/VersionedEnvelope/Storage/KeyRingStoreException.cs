namespace VersionedEnvelope.Storage;

/// <summary>A stored key ring cannot be read or written: a corrupted or truncated file, or the wrong root key. Nothing was changed.</summary>
public sealed class KeyRingStoreException : IOException
{
    /// <summary>Creates the exception.</summary>
    public KeyRingStoreException()
        : base("The stored key ring cannot be read.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">A message without secrets.</param>
    public KeyRingStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">A message without secrets.</param>
    /// <param name="innerException">The cause.</param>
    public KeyRingStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
