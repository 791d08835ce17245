using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using Npgsql;

namespace MissionHost.Benchmarks;

/// <summary>
/// The seed's <c>getAgentCostBreakdown()</c> over 100,000 and 1,000,000 missions of 5 agents on PostgreSQL: one SQL
/// query over the <c>agentCosts</c> jsonb column (<c>jsonb_each</c>, one row per agent back) against reading every
/// mission's <c>agentCosts</c> into the app and aggregating with <c>CostBreakdown.From</c>. Needs
/// VERSIONEDENVELOPE_POSTGRES (a server; the benchmark makes and keeps a database per size, so reruns skip the seeding).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class AgentCostBreakdownBenchmarks
{
    private DatabaseTarget _target = null!;
    private MissionDbContext _context = null!;

    /// <summary>100,000 and 1,000,000; MISSIONHOST_BENCHMARK_MISSIONS (comma-separated) replaces them, as CI's dry run does.</summary>
    public static IEnumerable<int> Sizes =>
        Environment.GetEnvironmentVariable("MISSIONHOST_BENCHMARK_MISSIONS") is { Length: > 0 } sizes
            ? sizes.Split(',').Select(size => int.Parse(size, System.Globalization.CultureInfo.InvariantCulture))
            : [100_000, 1_000_000];

    [ParamsSource(nameof(Sizes))]
    public int Missions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string server = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_POSTGRES")
            ?? throw new InvalidOperationException("Set VERSIONEDENVELOPE_POSTGRES to a PostgreSQL server's connection string (.ci/postgres start DIR prints one).");
        string connection = new NpgsqlConnectionStringBuilder(server) { Database = $"missionhost_breakdown_{Missions}", CommandTimeout = 600 }.ToString();
        _target = DatabaseTarget.Postgres(connection, Path.GetTempPath());
        _context = _target.CreateContext();
        MissionSchema.MigrateAsync(_context, null, CancellationToken.None).GetAwaiter().GetResult();
        long present = _context.Missions.LongCount();
        if (present != Missions)
        {
            _context.Database.ExecuteSqlRaw("""TRUNCATE "Mission" """);
            _context.Database.ExecuteSql($"""
                INSERT INTO "Mission" ("name", "cost", "agentCosts", "startedAt", "completedAt")
                SELECT 'mission-' || g, 0,
                       jsonb_build_object(
                           'genesis-architect', jsonb_build_object('tokens', 5000 + g % 9000, 'cost', 30 + g % 17, 'duration', 20000 + g % 7000),
                           'seo-analyst', jsonb_build_object('tokens', 8000 + g % 5000, 'cost', 2 + g % 5, 'duration', 30000 + g % 9000),
                           'copywriter', jsonb_build_object('tokens', 12000 + g % 7000, 'cost', 15 + g % 11, 'duration', 40000 + g % 8000),
                           'fact-checker', jsonb_build_object('tokens', 6000 + g % 4000, 'cost', 2 + g % 3, 'duration', 25000 + g % 5000),
                           'publisher', jsonb_build_object('tokens', 3000 + g % 2000, 'cost', 1 + g % 2, 'duration', 10000 + g % 3000)),
                       now() - make_interval(mins => g), now() - make_interval(mins => g) + interval '40 seconds'
                FROM generate_series(1, {Missions}) AS g
                """);
            _context.Database.ExecuteSqlRaw("""VACUUM ANALYZE "Mission" """);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    [Benchmark(Baseline = true, Description = "load every row, aggregate in the app")]
    public async Task<int> InApp() =>
        (await AgentCostBreakdownQuery.InMemoryAsync(_context, null, null, CancellationToken.None)).Breakdown.Agents.Count;

    [Benchmark(Description = "one SQL query (jsonb_each)")]
    public async Task<int> InDatabase() =>
        (await AgentCostBreakdownQuery.GetAgentCostBreakdownAsync(_context, null, null, CancellationToken.None)).Breakdown.Agents.Count;
}
