using BenchmarkDotNet.Running;
using MissionHost.Benchmarks;

if (args is ["profile-lookup", ..])
{
    return await ProfileLookupLoad.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(AgentCostBreakdownBenchmarks).Assembly).Run(args);
return 0;
