namespace VersionedEnvelope;

/// <summary>Chooses how many bits a blind index keeps.</summary>
/// <remarks>
/// A blind index leaks which rows share a value (and so how often each value occurs), never the value itself without
/// the key. Truncating it makes several values share each index, so the index alone never singles out a row; it costs
/// false positives, which the lookup drops after decrypting. The rule (CipherSweet's): keep the expected number of rows
/// per index value between 2 and √rows.
/// </remarks>
public static class BlindIndexPlanner
{
    /// <summary>The most bits that still leave at least 2 rows per index value on average.</summary>
    /// <param name="expectedRows">The rows the indexed column is expected to hold.</param>
    /// <returns>The bits to keep.</returns>
    /// <remarks>
    /// ⌊log₂(rows / 2)⌋, never fewer than <see cref="BlindIndexer.MinBits"/> (under 512 rows even 8 bits leave fewer
    /// than 2 rows per value) and never more than <see cref="BlindIndexer.MaxBits"/>. Plan for the rows the table will
    /// hold, not the rows it holds today.
    /// </remarks>
    public static int RecommendBits(long expectedRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedRows);
        int bits = expectedRows < 4 ? 0 : 63 - (int)long.LeadingZeroCount(expectedRows / 2);
        return Math.Clamp(bits, BlindIndexer.MinBits, BlindIndexer.MaxBits);
    }

    /// <summary>The expected number of rows that share one index value: rows / 2^bits.</summary>
    /// <param name="rows">The rows in the table.</param>
    /// <param name="bits">The bits the index keeps.</param>
    /// <returns>Rows per index value, on average.</returns>
    public static double ExpectedRowsPerValue(long rows, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, BlindIndexer.MinBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, BlindIndexer.MaxBits);
        return rows / Math.Pow(2, bits);
    }
}
