namespace VersionedEnvelope;

/// <summary>A record that could not be moved (tampered, unknown or retired version); the run goes on without it.</summary>
public sealed class ReencryptionFailure
{
    /// <summary>Creates a failure.</summary>
    /// <param name="id">The record's id.</param>
    /// <param name="reason">Why.</param>
    /// <param name="message">A description without secrets.</param>
    public ReencryptionFailure(string id, EnvelopeErrorReason reason, string message)
    {
        Id = id;
        Reason = reason;
        Message = message;
    }

    /// <summary>The record's id.</summary>
    public string Id { get; }

    /// <summary>Why.</summary>
    public EnvelopeErrorReason Reason { get; }

    /// <summary>A description without secrets.</summary>
    public string Message { get; }

    /// <summary>Describes the failure.</summary>
    /// <returns>The id, the reason and the message.</returns>
    public override string ToString() => $"{Id}: {Reason}: {Message}";
}
