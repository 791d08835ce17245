namespace VersionedEnvelope.Storage;

/// <summary>A key ring as a store holds it, with the revision that optimistic concurrency compares.</summary>
public sealed class StoredKeyRing
{
    /// <summary>Pairs a ring with its revision.</summary>
    /// <param name="ring">The ring.</param>
    /// <param name="revision">The store's revision of it: 1 for the first save, one more for each save after.</param>
    /// <exception cref="ArgumentNullException"><paramref name="ring"/> is null.</exception>
    public StoredKeyRing(KeyRing ring, long revision)
    {
        ArgumentNullException.ThrowIfNull(ring);
        Ring = ring;
        Revision = revision;
    }

    /// <summary>The ring.</summary>
    public KeyRing Ring { get; }

    /// <summary>The store's revision of it: 1 for the first save, one more for each save after.</summary>
    public long Revision { get; }
}
