namespace VersionedEnvelope.Storage;

/// <summary>A key ring as a store holds it, with the revision that optimistic concurrency compares.</summary>
/// <param name="Ring">The ring.</param>
/// <param name="Revision">The store's revision of it: 1 for the first save, one more for each save after.</param>
public sealed record StoredKeyRing(KeyRing Ring, long Revision);
