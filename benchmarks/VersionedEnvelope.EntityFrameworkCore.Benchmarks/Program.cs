using BenchmarkDotNet.Running;
using VersionedEnvelope.EntityFrameworkCore.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(PostgresReencryptionBenchmarks).Assembly).Run(args);
