namespace VersionedEnvelope;

/// <summary>What a look at a VE1 header found.</summary>
internal enum HeaderStatus
{
    Valid,
    Malformed,
    UnsupportedFormat,
}
