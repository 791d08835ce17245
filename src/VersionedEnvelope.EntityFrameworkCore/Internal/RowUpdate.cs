namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>A row to write: as it was read, and each column's new value (the same instance where the column does not change).</summary>
internal readonly record struct RowUpdate(StoredRow Row, object?[] NewValues);
