namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>A row as a re-encryption page read it: its key, each encrypted column's stored value and its keyVersion column.</summary>
internal sealed record StoredRow(object Key, object?[] Values, int?[] Versions);
