namespace VersionedEnvelope.Storage;

/// <summary>A read-only store over a fixed ring, such as the one of <see cref="StaticKeyRingOptions.Keys"/>.</summary>
/// <param name="ring">The ring.</param>
public sealed class StaticKeyRingStore(KeyRing ring) : IKeyRingStore
{
    private readonly StoredKeyRing _stored = new(ring ?? throw new ArgumentNullException(nameof(ring)), 1);

    /// <inheritdoc />
    public bool CanSave => false;

    /// <inheritdoc />
    public ValueTask<StoredKeyRing?> LoadAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<StoredKeyRing?>(_stored);

    /// <inheritdoc />
    public ValueTask<long> SaveAsync(KeyRing ring, long expectedRevision, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException(
            "This key ring is static (StaticKeyRingOptions.Keys) and cannot be changed here: register a store (PersistKeysToFile) "
            + "or add new versions to Keys where they are managed.");
}
