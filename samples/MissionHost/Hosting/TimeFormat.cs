
namespace MissionHost.Hosting;

/// <summary>Times as the rotation history writes them.</summary>
internal static class TimeFormat
{
    /// <summary>A UTC time with millisecond precision: <c>2026-01-27T08:27:32.000Z</c>.</summary>
    public static string Format(DateTimeOffset time) => VersionedEnvelope.RotationHistoryJson.FormatTimestamp(time);
}
