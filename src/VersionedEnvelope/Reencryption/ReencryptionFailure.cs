namespace VersionedEnvelope;

/// <summary>A record that could not be moved (tampered, unknown or retired version); the run goes on without it.</summary>
/// <param name="Id">The record's id.</param>
/// <param name="Reason">Why.</param>
/// <param name="Message">A description without secrets.</param>
public sealed record ReencryptionFailure(string Id, EnvelopeErrorReason Reason, string Message);
