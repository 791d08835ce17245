using System.Diagnostics.Metrics;

namespace VersionedEnvelope;

/// <summary>
/// The package's instruments (meter <c>VersionedEnvelope</c>): what an operator should alert on. They cost nothing when
/// no listener is attached.
/// </summary>
internal static class KeyRingMetrics
{
    public const string MeterName = "VersionedEnvelope";
    public const string RollbacksName = "versioned_envelope.key_ring.rollbacks";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Loads that found an older revision than the one held: the store was rolled back or written back.</summary>
    public static readonly Counter<long> Rollbacks = Meter.CreateCounter<long>(
        RollbacksName,
        unit: "{load}",
        description: "Key ring loads that found an older revision than the one this host holds (a restored backup, or a store written back); "
            + "the host keeps its newer revision.");
}
