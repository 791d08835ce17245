namespace VersionedEnvelope;

/// <summary>
/// <see cref="KeyRingManager.DestroyAsync"/> refused to destroy a key version because the evidence that nothing needs
/// it is missing or says otherwise.
/// </summary>
/// <remarks>
/// No inventory, an inventory that scanned nothing, one with legacy or malformed entries (which may need any version),
/// or ciphertexts under the version. Nothing was changed. Re-encrypt, take a complete inventory and try again, or
/// destroy with force when the data under it may be lost.
/// </remarks>
public sealed class KeyDestructionRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KeyDestructionRefusedException()
        : base("The key version was not destroyed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public KeyDestructionRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public KeyDestructionRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refused version.</summary>
    /// <param name="version">The version that was kept.</param>
    /// <param name="reason">Why, in a few words.</param>
    public KeyDestructionRefusedException(int version, string reason)
        : base($"Key version {version} was not destroyed: {reason}.")
    {
        Version = version;
        Reason = reason;
    }

    /// <summary>The version that was kept.</summary>
    public int Version { get; }

    /// <summary>Why, in a few words.</summary>
    public string? Reason { get; }
}
