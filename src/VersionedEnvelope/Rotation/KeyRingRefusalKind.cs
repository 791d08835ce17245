namespace VersionedEnvelope;

/// <summary>The kinds of <see cref="KeyRingRefusal"/>.</summary>
internal enum KeyRingRefusalKind
{
    /// <summary>The ring or the version's state forbids the change.</summary>
    Forbidden,

    /// <summary>A destruction without an inventory that proves the version unused.</summary>
    MissingEvidence,

    /// <summary>An index key retirement without an inventory that proves the index key version unused.</summary>
    MissingIndexEvidence,
}
