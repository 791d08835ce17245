using Microsoft.EntityFrameworkCore;

namespace VersionedEnvelope.EntityFrameworkCore.Storage;

/// <summary>
/// Implemented by the host's <see cref="DbContext"/> to keep the key ring in its database
/// (<c>PersistKeysToDbContext&lt;TContext&gt;()</c>). Add the set, then a migration creates the table.
/// </summary>
public interface IKeyRingDbContext
{
    /// <summary>The key rings (usually one row).</summary>
    DbSet<VersionedEnvelopeKeyRing> VersionedEnvelopeKeyRings { get; }
}
