namespace VersionedEnvelope.Storage;

/// <summary>A key ring save was based on a revision that is no longer current: another host changed the ring. Reload and retry.</summary>
public sealed class KeyRingConcurrencyException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public KeyRingConcurrencyException()
        : base("The key ring was changed by someone else; reload it and retry.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public KeyRingConcurrencyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public KeyRingConcurrencyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a stale save.</summary>
    /// <param name="expectedRevision">The revision the save was based on.</param>
    /// <param name="actualRevision">The store's revision.</param>
    public KeyRingConcurrencyException(long expectedRevision, long actualRevision)
        : base($"The key ring was changed by someone else (revision {actualRevision}, the change was based on {expectedRevision}); reload it and retry.")
    {
        ExpectedRevision = expectedRevision;
        ActualRevision = actualRevision;
    }

    /// <summary>The revision the save was based on.</summary>
    public long ExpectedRevision { get; }

    /// <summary>The store's revision when the save was refused.</summary>
    public long ActualRevision { get; }
}
