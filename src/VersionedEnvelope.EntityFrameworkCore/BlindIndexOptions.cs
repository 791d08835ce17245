using System.ComponentModel.DataAnnotations;
using VersionedEnvelope.EntityFrameworkCore.Internal;

namespace VersionedEnvelope.EntityFrameworkCore;

/// <summary>How a blind index is computed (<c>HasBlindIndex</c>).</summary>
public sealed class BlindIndexOptions
{
    /// <summary>The default number of bits kept.</summary>
    public const int DefaultBits = EntityFrameworkCoreDefaults.BlindIndexBits;

    /// <summary>The bits of HMAC-SHA256 the index keeps, 8 to 256 (32 by default).</summary>
    /// <remarks>
    /// Fewer bits make several values share an index: lookups then return a few extra rows, which
    /// <c>FirstOrDefaultBlindAsync</c> and <c>ToListBlindAsync</c> drop after decrypting, and the index alone no longer
    /// singles out a row. <see cref="BlindIndexPlanner.RecommendBits"/> picks a value for the rows you expect.
    /// </remarks>
    [Range(BlindIndexer.MinBits, BlindIndexer.MaxBits)]
    public int Bits { get; set; } = DefaultBits;

    /// <summary>
    /// Applied to a value before it is hashed, on save and on lookup alike, so values that should match do: for an
    /// email, <c>options.Normalize = email => email.Trim().ToLowerInvariant();</c>.
    /// </summary>
    /// <remarks>
    /// It must be deterministic and must not return null. Null (the default) hashes the value as it is.
    /// </remarks>
    public Func<string, string>? Normalize { get; set; }

    /// <summary>
    /// The index's name, part of its key derivation (HKDF info): <c>Entity.Property</c> by default. Two indexes with the
    /// same name and bits give the same index for the same value; pin it before renaming the entity or property.
    /// </summary>
    public string? Name { get; set; }
}
