using System.Diagnostics;
using AgentCosts.Metrics;
using BenchmarkDotNet.Attributes;

namespace AgentCosts.Benchmarks;

/// <summary>
/// A simulated mission: 8 agents × 100 steps (each agent's steps in sequence, as an agent loop runs them), without
/// tracking (the baseline) and with full tracking through the public API as a host uses it: a tracker per mission,
/// handles resolved once, each step timed with its tokens and credits, metrics instruments present. The work of each
/// step is identical in every variant and runs in one non-inlined method, so every variant executes the same machine
/// code for it.
/// </summary>
[MemoryDiagnoser]
public class MissionOverheadBenchmarks
{
    private const int Agents = 8;
    private const int StepsPerAgent = 100;

    /// <summary>Steps in one mission: what one invocation of a benchmark runs.</summary>
    public const int StepsPerMission = Agents * StepsPerAgent;
    private static readonly ExactCredits StepCost = ExactCredits.FromCredits(0.00045m);
    private static readonly string[] AgentNames = [.. Enumerable.Range(0, Agents).Select(i => $"agent-{i}")];
    private readonly AgentCostsMetrics _metrics = new(meterName: "AgentCosts.Benchmarks");

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

    /// <summary>
    /// Full tracking of an agent loop: a lap timer per agent, each step ending with <c>Lap(tokens, exactCost)</c> (one clock
    /// read per step). This is what the overhead gate measures.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Agents * StepsPerAgent)]
    public long Tracked()
    {
        var mission = new MissionCostTracker(_metrics);
        long sink = 0;
        for (int agent = 0; agent < Agents; agent++)
        {
            var laps = mission.Agent(AgentNames[agent]).StartLaps();
            for (int step = 0; step < StepsPerAgent; step++)
            {
                long result = StepWork.Run(Step, (step * Agents) + agent);
                laps.Lap(result & 0xFFF, StepCost);
                sink += result;
            }
        }

        return sink + mission.Snapshot().Total.Tokens;
    }

    /// <summary>
    /// Full tracking with a timing scope per step (<c>using var scope = agent.Start()</c>, tokens and credits through the
    /// scope): two clock reads per step, for steps that are not one agent's sequential loop.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Agents * StepsPerAgent)]
    public long TrackedWithScopes()
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
                scope.AddCost(StepCost);
                sink += result;
            }
        }

        return sink + mission.Snapshot().Total.Tokens;
    }

    /// <summary>
    /// No tracking, only the two <see cref="Stopwatch.GetTimestamp"/> calls a timing scope needs: the floor that any
    /// start-and-stop timing of a step pays, whatever library does it.
    /// </summary>
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
}
