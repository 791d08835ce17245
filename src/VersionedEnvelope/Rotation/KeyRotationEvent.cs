namespace VersionedEnvelope;

/// <summary>One rotation: an entry of the <c>keyRotationHistory</c> JSON hosts store.</summary>
/// <param name="Version">The key version the rotation created and made active.</param>
/// <param name="RotatedAt">When, in UTC, to the millisecond.</param>
/// <param name="RotatedBy">Who rotated (a user id, an e-mail, a service).</param>
public sealed record KeyRotationEvent(int Version, DateTimeOffset RotatedAt, string RotatedBy);
