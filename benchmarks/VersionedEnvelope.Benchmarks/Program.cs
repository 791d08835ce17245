using BenchmarkDotNet.Running;
using VersionedEnvelope.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(EnvelopeBenchmarks).Assembly).Run(args);
