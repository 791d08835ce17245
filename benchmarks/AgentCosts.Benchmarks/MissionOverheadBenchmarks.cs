using System.Diagnostics;
using AgentCosts.Metrics;
using BenchmarkDotNet.Attributes;

namespace AgentCosts.Benchmarks;

/// <summary>
/// A simulated mission: 8 agents × 100 steps (each agent's steps in sequence, as an agent loop runs them), without
/// tracking (the baseline) and with full tracking through the public API as a host uses it (a tracker per mission,
/// handles resolved once, a timing scope with tokens and credits per step, metrics instruments present). The work of
/// each step is identical in every variant.
/// </summary>
[MemoryDiagnoser]
public class MissionOverheadBenchmarks
{
    private const int Agents = 8;
    private const int StepsPerAgent = 100;
    private static readonly string[] AgentNames = [.. Enumerable.Range(0, Agents).Select(i => $"agent-{i}")];
    private readonly AgentCostMetrics _metrics = new("AgentCosts.Benchmarks");

    [Params(StepKind.Realistic, StepKind.OneMicrosecond)]
    public StepKind Step { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Agents * StepsPerAgent)]
    public long Untracked()
    {
        long sink = 0;
        for (int agent = 0; agent < Agents; agent++)
        {
            for (int step = 0; step < StepsPerAgent; step++)
            {
                sink += StepWork.Run(Step, (step * Agents) + agent);
            }
        }

        return sink;
    }

    /// <summary>No tracking, only the two clock reads a timing scope needs: the floor any per-step timing pays.</summary>
    [Benchmark(OperationsPerInvoke = Agents * StepsPerAgent)]
    public long ClockReadsOnly()
    {
        long sink = 0;
        for (int agent = 0; agent < Agents; agent++)
        {
            for (int step = 0; step < StepsPerAgent; step++)
            {
                long started = Stopwatch.GetTimestamp();
                sink += StepWork.Run(Step, (step * Agents) + agent);
                sink += Stopwatch.GetTimestamp() - started;
            }
        }

        return sink;
    }

    [Benchmark(OperationsPerInvoke = Agents * StepsPerAgent)]
    public long Tracked()
    {
        var mission = new MissionCostTracker(_metrics);
        var agents = new AgentHandle[Agents];
        for (int i = 0; i < Agents; i++)
        {
            agents[i] = mission.Agent(AgentNames[i]);
        }

        long sink = 0;
        for (int agent = 0; agent < Agents; agent++)
        {
            for (int step = 0; step < StepsPerAgent; step++)
            {
                using var scope = agents[agent].Start();
                long result = StepWork.Run(Step, (step * Agents) + agent);
                scope.AddTokens(result & 0xFFF);
                scope.AddCost(result & 0xF);
                sink += result;
            }
        }

        return sink + mission.Snapshot().Total.Tokens;
    }

    /// <summary>Like <see cref="Tracked"/>, with a lap timer per agent loop: one clock read per step instead of two.</summary>
    [Benchmark(OperationsPerInvoke = Agents * StepsPerAgent)]
    public long TrackedWithLaps()
    {
        var mission = new MissionCostTracker(_metrics);
        long sink = 0;
        for (int agent = 0; agent < Agents; agent++)
        {
            var laps = mission.Agent(AgentNames[agent]).StartLaps();
            for (int step = 0; step < StepsPerAgent; step++)
            {
                long result = StepWork.Run(Step, (step * Agents) + agent);
                laps.Lap(result & 0xFFF, result & 0xF);
                sink += result;
            }
        }

        return sink + mission.Snapshot().Total.Tokens;
    }
}
