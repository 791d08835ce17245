namespace VersionedEnvelope;

/// <summary>A provider over one fixed ring, for hosts that manage keys elsewhere and rebuild the encryptor to change them.</summary>
/// <param name="ring">The ring.</param>
public sealed class StaticKeyRingProvider(KeyRing ring) : IKeyRingProvider
{
    /// <inheritdoc />
    public KeyRing Current { get; } = ring ?? throw new ArgumentNullException(nameof(ring));

    /// <inheritdoc />
    public KeyRing GetRingWith(int version) => Current;
}
