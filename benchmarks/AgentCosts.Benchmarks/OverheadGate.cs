using System.Globalization;

namespace AgentCosts.Benchmarks;

/// <summary>
/// For people, not CI: is tracking overhead under 5 % of a mission's steps, and the middleware's under 1 % of a streamed
/// model call? Each is a <see cref="PairedMeasurement"/>: the median of per-pair ratios with its 95 % confidence interval.
/// Exit 0: every interval's upper bound is under its limit. Exit 1: a lower bound is at or over its limit. Exit 3: an
/// interval straddles its limit, so the machine was too noisy to judge.
/// </summary>
internal static class OverheadGate
{
    private const double LimitPercent = 5.0;
    private const double StreamLimitPercent = 1.0;
    private const int Steps = MissionOverheadBenchmarks.StepsPerMission;

    public static int Run(string[] args)
    {
        int pairs = ReadOption(args, "--pairs", 301);
        Console.WriteLine(Invariant($"overhead gate: {pairs} interleaved pairs per step kind, limit {LimitPercent}% (95% CI of the median ratio)"));
        var verdicts = new List<int>();
        foreach (var kind in args.Contains("--stream-only") ? [] : Enum.GetValues<StepKind>())
        {
            var benchmarks = new MissionOverheadBenchmarks { Step = kind };
            var lap = PairedMeasurement.Measure(() => benchmarks.Untracked(), () => benchmarks.Tracked(), pairs, Steps);
            var scopes = PairedMeasurement.Measure(() => benchmarks.Untracked(), () => benchmarks.TrackedWithScopes(), pairs / 3, Steps);
            Console.WriteLine(Invariant($"overhead {kind}: {lap.Median:F2}%"));
            Console.WriteLine(Invariant($"  95% CI [{lap.Lower:F2}%, {lap.Upper:F2}%]; untracked step {lap.UnitNanoseconds:F0} ns; tracking {lap.CostNanoseconds:F1} ns per step (lap timer)"));
            Console.WriteLine(Invariant($"  (not gated: a timing scope per step {scopes.Median:F2}% [{scopes.Lower:F2}%, {scopes.Upper:F2}%], {scopes.CostNanoseconds:F1} ns per step)"));
            verdicts.Add(lap.Upper < LimitPercent ? 0 : lap.Lower >= LimitPercent ? 1 : 3);
        }

        verdicts.Add(MeasureStream(pairs));
        int verdict = verdicts.Contains(1) ? 1 : verdicts.Contains(3) ? 3 : 0;
        Console.WriteLine(verdict switch
        {
            0 => "overhead gate: passed",
            1 => "overhead gate: FAILED",
            _ => "overhead gate: UNDECIDED (an interval straddles its limit: the machine was too noisy to judge; run again on a quieter machine)",
        });
        return verdict;
    }

    /// <summary>
    /// A streamed model call through <c>UseAgentCosts</c> against the same pipeline without it: the realistic model work
    /// (≈ 20 µs) and four updates, the last with usage, as in <see cref="ChatClientBenchmarks"/>.
    /// </summary>
    private static int MeasureStream(int pairs)
    {
        var benchmarks = new ChatClientBenchmarks { ModelWork = true };
        benchmarks.Setup();
        var stream = PairedMeasurement.Measure(
            () => benchmarks.Streamed().GetAwaiter().GetResult(), () => benchmarks.StreamedWithAgentCosts().GetAwaiter().GetResult(), pairs, 1);
        Console.WriteLine(Invariant($"overhead streamed call: {stream.Median:F2}% (limit {StreamLimitPercent}%)"));
        Console.WriteLine(Invariant($"  95% CI [{stream.Lower:F2}%, {stream.Upper:F2}%]; untracked stream {stream.UnitNanoseconds:F0} ns; tracking {stream.CostNanoseconds:F1} ns per stream"));
        return stream.Upper < StreamLimitPercent ? 0 : stream.Lower >= StreamLimitPercent ? 1 : 3;
    }

    private static int ReadOption(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out int value) && value >= 10
            ? value
            : fallback;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
