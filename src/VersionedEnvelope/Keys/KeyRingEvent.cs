namespace VersionedEnvelope;

/// <summary>One entry of a key ring's audit trail.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Version">The key version it happened to.</param>
/// <param name="At">When, in UTC.</param>
/// <param name="By">Who did it (a user id, an e-mail, a service name).</param>
public sealed record KeyRingEvent(KeyRingEventKind Kind, int Version, DateTimeOffset At, string By);
