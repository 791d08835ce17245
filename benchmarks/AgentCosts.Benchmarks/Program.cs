using AgentCosts.Benchmarks;
using BenchmarkDotNet.Running;

if (args.Contains("--overhead-gate"))
{
    return OverheadGate.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(MissionOverheadBenchmarks).Assembly).Run(args);
return 0;
