using System.ComponentModel.DataAnnotations;
using System.ComponentModel.DataAnnotations.Schema;

namespace VersionedEnvelope.EntityFrameworkCore.Storage;

/// <summary>
/// One key ring as a database row: the sealed document (the same format the file store writes: versions, states and
/// audit trail readable, key material sealed under the root key) and the revision that optimistic concurrency compares.
/// </summary>
[Table("VersionedEnvelopeKeyRings")]
public class VersionedEnvelopeKeyRing
{
    /// <summary>The longest ring name.</summary>
    public const int MaxNameLength = 100;

    /// <summary>The ring's name: several rings may share the table; <c>default</c> unless the host names one.</summary>
    [Key]
    [MaxLength(MaxNameLength)]
    public string Name { get; set; } = "";

    /// <summary>1 for the first save, one more for each save after; a save that finds another revision writes nothing.</summary>
    [ConcurrencyCheck]
    public long Revision { get; set; }

    /// <summary>The sealed key ring document (JSON).</summary>
    public string Document { get; set; } = "";
}
