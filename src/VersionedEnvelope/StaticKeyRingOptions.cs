namespace VersionedEnvelope;

/// <summary>
/// A static key ring for hosts that manage keys elsewhere (bind it from configuration): keys by version and the active
/// one. Used with <c>UseStaticKeys</c>; validated at start-up; it cannot be rotated in place.
/// </summary>
public sealed class StaticKeyRingOptions
{
    /// <summary>Base64 of a 256-bit key by key version ("1", "2", …).</summary>
    public IDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The version of <see cref="Keys"/> that encrypts.</summary>
    public int? ActiveVersion { get; set; }
}
