using System.Globalization;
using AgentCosts.Benchmarks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

if (args.Contains("--overhead-gate"))
{
    return OverheadGate.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(MissionOverheadBenchmarks).Assembly).Run(args);
return 0;

/// <summary>For people, not CI: runs the mission benchmarks and fails when tracking costs 5% or more.</summary>
internal static class OverheadGate
{
    private const double LimitPercent = 5.0;

    public static int Run()
    {
        // In process: every variant then runs the step's work through the same compiled code, which takes away the
        // few-percent differences between processes (code and heap layout) that would otherwise swamp a 1% effect.
        var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(20);
        Summary summary = BenchmarkRunner.Run<MissionOverheadBenchmarks>(DefaultConfig.Instance.AddJob(job));
        bool passed = summary.Reports.Length > 0;
        foreach (var kind in Enum.GetValues<StepKind>())
        {
            double untracked = Median(summary, nameof(MissionOverheadBenchmarks.Untracked), kind);
            double overhead = Percent(Median(summary, nameof(MissionOverheadBenchmarks.Tracked), kind), untracked);
            double scopes = Percent(Median(summary, nameof(MissionOverheadBenchmarks.TrackedWithScopes), kind), untracked);
            double clocks = Percent(Median(summary, nameof(MissionOverheadBenchmarks.ClockReadsOnly), kind), untracked);
            Console.WriteLine(Invariant($"overhead {kind}: {overhead:F2}%"));
            Console.WriteLine(Invariant($"  (not gated: a timing scope per step instead of a lap timer {scopes:F2}%; its two clock reads alone {clocks:F2}%)"));
            passed &= overhead < LimitPercent;
        }

        Console.WriteLine(passed ? "overhead gate: passed" : Invariant($"overhead gate: FAILED (limit {LimitPercent}%)"));
        return passed ? 0 : 1;
    }

    private static double Percent(double measured, double baseline) => ((measured / baseline) - 1) * 100;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    // The median, not the mean: a noisy neighbour on a shared machine slows single iterations, not the typical one.
    private static double Median(Summary summary, string method, StepKind kind) =>
        summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method
            && (StepKind)r.BenchmarkCase.Parameters["Step"] == kind).ResultStatistics!.Median;
}
