using System.Data.Common;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// One way to write a batch of rewritten rows in its transaction, each row only where it still holds what was read. The
/// dialect picks one (<see cref="SqlDialect.UpdateStrategy"/>): arrays with <c>unnest</c>, <c>VALUES</c>, or row by row.
/// </summary>
internal interface IRowUpdateStrategy
{
    /// <summary>Writes the updates; returns the keys of the rows written (the others changed since they were read).</summary>
    Task<List<object>> WriteAsync(DbConnection connection, DbTransaction transaction, List<RowUpdate> updates, CancellationToken cancellationToken);
}
