using System.Globalization;
using AgentCosts.Benchmarks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

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
        var config = DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(20));
        Summary summary = BenchmarkRunner.Run<MissionOverheadBenchmarks>(config);
        bool passed = summary.Reports.Length > 0;
        foreach (var kind in Enum.GetValues<StepKind>())
        {
            double untracked = Mean(summary, "Untracked", kind);
            double tracked = Mean(summary, "Tracked", kind);
            double clocks = Mean(summary, "ClockReadsOnly", kind);
            double laps = Mean(summary, "TrackedWithLaps", kind);
            double overhead = (tracked / untracked - 1) * 100;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"overhead {kind}: {overhead:F2}%"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  (for reference, the two clock reads of a timing scope alone: {(clocks / untracked - 1) * 100:F2}%; with a lap timer instead of scopes: {(laps / untracked - 1) * 100:F2}%)"));
            passed &= overhead < LimitPercent;
        }

        return passed ? 0 : 1;
    }

    private static double Mean(Summary summary, string method, StepKind kind) =>
        summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method
            && (StepKind)r.BenchmarkCase.Parameters["Step"] == kind).ResultStatistics!.Mean;
}
