using BenchmarkDotNet.Running;
using MissionHost.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(AgentCostBreakdownBenchmarks).Assembly).Run(args);
