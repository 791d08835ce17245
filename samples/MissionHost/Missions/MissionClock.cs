namespace MissionHost.Missions;

/// <summary>A clock whose date is a mission's billing date and whose timestamps are real, so durations stay true.</summary>
internal sealed class MissionClock(DateTimeOffset date) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => date;
}
