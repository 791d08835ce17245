using AgentCosts.Internal;
using Microsoft.Extensions.Time.Testing;

namespace AgentCosts.Tests;

public sealed class TrackerTests
{
    [Fact]
    public void Record_ByNameAndHandle_AddsUp()
    {
        var mission = new MissionCostTracker();
        var architect = mission.Agent("genesis-architect");

        mission.Record("genesis-architect", 12000, ExactCredits.FromCredits(120), TimeSpan.FromMilliseconds(2000));
        architect.Record(450, ExactCredits.FromCredits(5), TimeSpan.FromMilliseconds(300));
        mission.Record("seo-analyst", 8200, ExactCredits.FromCredits(82), TimeSpan.FromMilliseconds(1800));

        var snapshot = mission.Snapshot();
        Assert.Equal(new AgentCost(12450, 125, 2300), snapshot.Agents["genesis-architect"]);
        Assert.Equal(new AgentCost(20650, 207, 4100), snapshot.Total);
        Assert.Same(architect, mission.Agent("genesis-architect"));
    }

    [Fact]
    public void Agent_NamesCompareOrdinally()
    {
        var mission = new MissionCostTracker();

        Assert.NotSame(mission.Agent("Agent"), mission.Agent("agent"));
    }

    [Theory]
    [InlineData(-1, 0, 0)]
    [InlineData(0, -1, 0)]
    [InlineData(0, 0, -1)]
    public void Record_NegativeValue_ThrowsAndRecordsNothing(long tokens, long cost, long duration)
    {
        var mission = new MissionCostTracker();

        Assert.Throws<ArgumentOutOfRangeException>(() => mission.Record("a", tokens, ExactCredits.FromCredits(cost), TimeSpan.FromMilliseconds(duration)));

        Assert.True(mission.Snapshot().Total == AgentCost.Zero);
    }

    [Fact]
    public void Record_Overflow_ThrowsAndKeepsTotal()
    {
        var agent = new MissionCostTracker().Agent("a");
        agent.AddTokens(long.MaxValue - 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => agent.AddTokens(2));

        Assert.Equal(long.MaxValue - 1, agent.GetTotals().Tokens);
        agent.AddTokens(1);
        Assert.Equal(long.MaxValue, agent.GetTotals().Tokens);
    }

    [Fact]
    public void Record_HugeDuration_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MissionCostTracker().Agent("a").AddDuration(TimeSpan.MaxValue));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Agent_EmptyName_Throws(string? name) =>
        Assert.ThrowsAny<ArgumentException>(() => new MissionCostTracker().Agent(name!));

    [Fact]
    public void Start_TimingScope_AddsElapsedMillisecondsAndScopeCosts()
    {
        var time = new FakeTimeProvider();
        var mission = new MissionCostTracker(timeProvider: time);

        using (var step = mission.Start("seo-analyst"))
        {
            step.AddTokens(1200);
            step.AddCost(ExactCredits.FromCredits(12));
            time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(new AgentCost(1200, 12, 250), mission.Snapshot().Agents["seo-analyst"]);
    }

    [Fact]
    public void Start_NestedScopesOfOneAgent_AddUp()
    {
        var time = new FakeTimeProvider();
        var agent = new MissionCostTracker(timeProvider: time).Agent("a");

        using (agent.Start())
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            using (agent.Start())
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
            }
        }

        Assert.Equal(200, agent.GetTotals().DurationMilliseconds);
    }

    [Fact]
    public void Start_SubMillisecondSteps_AreNotLostToRounding()
    {
        var time = new FakeTimeProvider();
        var agent = new MissionCostTracker(timeProvider: time).Agent("a");

        for (int i = 0; i < 1000; i++)
        {
            using var step = agent.Start();
            time.Advance(TimeSpan.FromMicroseconds(3));
        }

        Assert.Equal(3, agent.GetTotals().DurationMilliseconds);
    }

    [Fact]
    public void StartLaps_EachLapAddsTimeSincePreviousLapAndItsCosts()
    {
        var time = new FakeTimeProvider();
        var agent = new MissionCostTracker(timeProvider: time).Agent("a");
        var laps = agent.StartLaps();

        time.Advance(TimeSpan.FromMilliseconds(120));
        laps.Lap(tokens: 1000, cost: ExactCredits.FromCredits(10));
        time.Advance(TimeSpan.FromMilliseconds(80));
        laps.Lap(tokens: 500, cost: ExactCredits.FromCredits(5));
        time.Advance(TimeSpan.FromMilliseconds(30));
        laps.Lap();

        Assert.Equal(new AgentCost(1500, 15, 230), agent.GetTotals());
        Assert.Throws<ArgumentOutOfRangeException>(() => laps.Lap(tokens: -1));
        Assert.Equal(new AgentCost(1500, 15, 230), agent.GetTotals());
    }

    [Fact]
    public void SystemClock_ScopeAndLap_MeasureRealTime()
    {
        var agent = new MissionCostTracker().Agent("a");
        using (agent.Start())
        {
            Thread.Sleep(30);
        }

        var laps = agent.StartLaps();
        Thread.Sleep(30);
        laps.Lap();

        // A lower bound only: sleeping never takes less than asked, and an upper bound would be at the mercy of the machine.
        Assert.InRange(agent.GetTotals().DurationMilliseconds, 55, long.MaxValue);
    }

    [Fact]
    public void Lap_Overflow_RecordsNothingAndTheStepGoesOn()
    {
        var time = new FakeTimeProvider();
        var agent = new MissionCostTracker(timeProvider: time).Agent("a");
        agent.AddCost(new ExactCredits(long.MaxValue - 1));
        var laps = agent.StartLaps();

        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => laps.Lap(7, new ExactCredits(2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => laps.Lap(tokens: 7, cost: ExactCredits.FromCredits(1)));
        Assert.Equal(new AgentCost(0, new ExactCredits(long.MaxValue - 1), 0), agent.GetTotals());

        time.Advance(TimeSpan.FromMilliseconds(5));
        laps.Lap(7, new ExactCredits(1));
        Assert.Equal(new AgentCost(7, new ExactCredits(long.MaxValue), 15), agent.GetTotals());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CounterCell_StepThatWouldOverflowAnyTotal_LeavesAllThreeUnchanged(bool shared)
    {
        var cell = new CounterCell(shared);
        cell.AddStep(10, 20, 30);
        cell.Add(ref cell.DurationNanoseconds, long.MaxValue - 40, "duration");

        Assert.Throws<ArgumentOutOfRangeException>(() => cell.AddStep(long.MaxValue, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cell.AddStep(1, long.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cell.AddStep(1, 1, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => cell.AddStep(1, -1, 1));

        Assert.Equal((10L, 20L, long.MaxValue - 10), (cell.Tokens, cell.CostNanocredits, cell.DurationNanoseconds));
        cell.AddStep(1, 2, 10);
        Assert.Equal((11L, 22L, long.MaxValue), (cell.Tokens, cell.CostNanocredits, cell.DurationNanoseconds));
    }

    [Fact]
    public void DefaultTimingScope_DisposeDoesNothing()
    {
        var scope = default(TimingScope);
        scope.Dispose();
        Assert.Throws<InvalidOperationException>(() => scope.Agent);
    }

    [Fact]
    public async Task Record_EightThreadsMillionRecordsEach_TotalsExact()
    {
        const int Threads = 8;
        const int PerThread = 1_000_000;
        var mission = new MissionCostTracker();
        string[] names = ["a", "b", "c", "d"];

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(
            () =>
            {
                var handle = mission.Agent(names[t % names.Length]);
                for (int i = 0; i < PerThread; i++)
                {
                    if ((i & 1) == 0)
                    {
                        handle.Record(1, ExactCredits.FromCredits(2), TimeSpan.FromMilliseconds(3));
                    }
                    else
                    {
                        mission.Record(names[t % names.Length], 1, ExactCredits.FromCredits(2), TimeSpan.FromMilliseconds(3));
                    }
                }
            },
            TestContext.Current.CancellationToken)));

        var snapshot = mission.Snapshot();
        Assert.Equal(new AgentCost(Threads * (long)PerThread, 2L * Threads * PerThread, 3L * Threads * PerThread), snapshot.Total);
        Assert.All(snapshot.Agents.Values, cost => Assert.Equal(2L * PerThread, cost.Tokens));
    }

    [Fact]
    public void Record_MoreLiveThreadsThanPrivateCells_TotalsExact()
    {
        const int Threads = AgentCosts.Internal.CounterCells.MaxPrivateCells + 64;
        var agent = new MissionCostTracker(timeProvider: new FakeTimeProvider()).Agent("crowded");
        using var allStarted = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            allStarted.SignalAndWait();
            var laps = agent.StartLaps();
            for (int i = 0; i < 1000; i++)
            {
                agent.Record(1, ExactCredits.FromCredits(2), TimeSpan.FromMilliseconds(3));
                laps.Lap(tokens: 4, cost: ExactCredits.FromCredits(5));
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        // The fake clock never moves, so laps add tokens and credits only.
        Assert.Equal(new AgentCost(Threads * 5000L, Threads * 7000L, Threads * 3000L), agent.GetTotals());
    }

    [Fact]
    public void RecordUsage_ManyThreadsTwoModels_ModelTotalsExact()
    {
        // More threads than private cells, so some share the interlocked cell: per-model totals lose nothing either way.
        const int Threads = AgentCosts.Internal.CounterCells.MaxPrivateCells + 16;
        const int Calls = 200;
        var mission = new MissionCostTracker(timeProvider: new FakeTimeProvider());
        var usage = new TokenUsage(100, 50, cachedInputTokens: 20, reasoningTokens: 10, cacheWriteInputTokens: 5);
        var cost = new ExactCredits(1_234_567);
        using var allStarted = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var agent = mission.Agent($"agent-{t % 3}");
            allStarted.SignalAndWait();
            for (int i = 0; i < Calls; i++)
            {
                agent.RecordUsage(i % 2 == 0 ? "small" : "large", usage, cost, TimeSpan.FromMilliseconds(1));
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var models = mission.Snapshot().Models;
        const long PerModel = Threads * Calls / 2;
        foreach (string model in new[] { "small", "large" })
        {
            Assert.Equal(PerModel, models[model].Calls);
            Assert.Equal(new TokenUsage(100 * PerModel, 50 * PerModel, 20 * PerModel, 10 * PerModel, 5 * PerModel), models[model].Usage);
            Assert.Equal(new ExactCredits((Int128)1_234_567 * PerModel), models[model].ExactCost);
        }
    }
}
