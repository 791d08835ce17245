using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;

namespace VersionedEnvelope.EntityFrameworkCore.Storage;

/// <summary>How many data keys one key version of one ring wrapped, summed over every host (rotation by use reads it).</summary>
[PrimaryKey(nameof(RingName), nameof(Version))]
[System.ComponentModel.DataAnnotations.Schema.Table("VersionedEnvelopeKeyUses")]
public class VersionedEnvelopeKeyUse
{
    /// <summary>The ring's name (<see cref="VersionedEnvelopeKeyRing.Name"/>).</summary>
    [MaxLength(VersionedEnvelopeKeyRing.MaxNameLength)]
    public string RingName { get; set; } = "";

    /// <summary>The key version.</summary>
    public int Version { get; set; }

    /// <summary>Wraps under the version; each host adds its own with one atomic <c>UPDATE</c>.</summary>
    public long Count { get; set; }
}
