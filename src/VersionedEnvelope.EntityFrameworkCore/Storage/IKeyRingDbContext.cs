using Microsoft.EntityFrameworkCore;

namespace VersionedEnvelope.EntityFrameworkCore.Storage;

/// <summary>
/// Implemented by the host's <see cref="DbContext"/> to keep the key ring in its database
/// (<c>PersistKeysToDbContext&lt;TContext&gt;()</c>). Add the sets, then a migration creates the tables.
/// </summary>
public interface IKeyRingDbContext
{
    /// <summary>The key rings (usually one row).</summary>
    DbSet<VersionedEnvelopeKeyRing> VersionedEnvelopeKeyRings { get; }

    /// <summary>The shared count of wraps per key version, which rotation by use reads (<c>KeyRingOptions.MaxDataKeysPerVersion</c>).</summary>
    DbSet<VersionedEnvelopeKeyUse> VersionedEnvelopeKeyUses { get; }
}
