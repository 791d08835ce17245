using System.Runtime.InteropServices;

namespace AgentCosts.Internal;

/// <summary>
/// One agent's running totals. Padded to its own cache lines so that agents recorded on different cores do not slow
/// each other down (false sharing).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
internal struct AgentCounters
{
    [FieldOffset(64)]
    public long Tokens;

    [FieldOffset(72)]
    public long Cost;

    /// <summary>In nanoseconds, so sub-millisecond steps are not lost to rounding (room for 292 years).</summary>
    [FieldOffset(80)]
    public long DurationNanoseconds;
}
