using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AgentCosts.Tests;

/// <summary>Budgets nested mission → agent → sub-agent: reserved from every level at once or from none.</summary>
public sealed class NestedBudgetTests
{
    private static ExactCredits C(long credits) => ExactCredits.FromCredits(credits);

    [Fact]
    public void Reserve_FromAnAgentsBudget_HoldsAtItAndAtTheMission()
    {
        var mission = new MissionBudget(100);
        var writer = mission.ForAgent("writer", C(30));

        using var hold = writer.Reserve(20);

        Assert.Equal((C(20), C(20)), (writer.Reserved, mission.Reserved));
        Assert.Same(mission, writer.Parent);
        Assert.Equal("writer", writer.AgentName);
        Assert.Null(mission.AgentName);
    }

    [Fact]
    public void Reserve_RefusedByTheAgentsBudget_NamesItAndHoldsNothingAnywhere()
    {
        var mission = new MissionBudget(100);
        var writer = mission.ForAgent("writer", C(30));
        using var first = writer.Reserve(25);

        var error = Assert.Throws<BudgetExceededException>(() => writer.Reserve(10));

        Assert.Equal("writer", error.AgentName);
        Assert.Contains("agent 'writer'", error.Message, StringComparison.Ordinal);
        Assert.Equal((C(25), C(25)), (writer.Reserved, mission.Reserved));
    }

    [Fact]
    public void Reserve_RefusedByTheMission_NamesTheMissionAndGivesBackTheAgentsHold()
    {
        var mission = new MissionBudget(50);
        var writer = mission.ForAgent("writer", C(40));
        using var other = mission.Reserve(30);

        Assert.False(writer.TryReserve(C(30), out _));
        var error = Assert.Throws<BudgetExceededException>(() => writer.Reserve(30));

        Assert.Null(error.AgentName);
        Assert.Equal((C(0), C(30)), (writer.Reserved, mission.Reserved));
    }

    [Fact]
    public void ForAgent_BadInput_IsRefused()
    {
        var mission = new MissionBudget(100);
        mission.ForAgent("writer", C(30));

        Assert.Throws<ArgumentOutOfRangeException>(() => mission.ForAgent("a", C(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => mission.ForAgent("a", new ExactCredits(-1)));
        Assert.Contains("larger than the mission", Assert.Throws<ArgumentException>(() => mission.ForAgent("a", C(101))).Message, StringComparison.Ordinal);
        Assert.Contains("larger than agent 'writer'", Assert.Throws<ArgumentException>(() =>
            mission.TryGetAgentBudget("writer", out var w) ? w.ForAgent("b", C(31)) : null).Message, StringComparison.Ordinal);
        Assert.Contains("has a budget already", Assert.Throws<ArgumentException>(() => mission.ForAgent("writer", C(1))).Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => mission.ForAgent("", C(1)));
        Assert.ThrowsAny<ArgumentException>(() => mission.ForAgent("lone \ud800 surrogate", C(1)));
    }

    [Fact]
    public void Tracker_AgentsWork_IsSpentAtItsLevelItsParentsAndTheMission()
    {
        var budget = new MissionBudget(100);
        var architect = budget.ForAgent("architect", C(50));
        var researcher = architect.ForAgent("researcher", C(20));
        var mission = new MissionCostTracker(budget: budget);
        mission.SetParent("researcher", "architect");
        mission.SetParent("helper", "researcher");

        mission.Agent("researcher").Record(10, C(5), TimeSpan.FromMilliseconds(1));
        mission.Agent("helper").Record(10, C(2), TimeSpan.FromMilliseconds(1));    // no budget of its own: its nearest budgeted parent's
        mission.Agent("architect").Record(10, C(3), TimeSpan.FromMilliseconds(1));
        mission.Agent("publisher").Record(10, C(4), TimeSpan.FromMilliseconds(1)); // the mission's alone

        Assert.Equal(C(7), researcher.Spent);
        Assert.Equal(C(10), architect.Spent);
        Assert.Equal(C(14), budget.Spent);
    }

    [Fact]
    public void Tracker_Reserve_ForASubAgentWithoutABudget_TakesItsParentsLevelAndAbove()
    {
        var budget = new MissionBudget(100);
        var architect = budget.ForAgent("architect", C(10));
        var mission = new MissionCostTracker(budget: budget);
        mission.SetParent("researcher", "architect");

        var error = Assert.Throws<BudgetExceededException>(() => mission.Reserve("researcher", C(11)));
        using var hold = mission.Reserve("researcher", C(6));

        Assert.Equal("architect", error.AgentName);
        Assert.Equal((C(6), C(6)), (architect.Reserved, budget.Reserved));
    }

    [Fact]
    public void Complete_CostBeyondTheHold_IsOvershootAtEveryLevel_AndExceededOnlyPastTheLimit()
    {
        var budget = new MissionBudget(100);
        var writer = budget.ForAgent("writer", C(10));
        var mission = new MissionCostTracker(budget: budget);

        var hold = mission.Reserve("writer", C(8));
        mission.Agent("writer").Record(1, C(9), TimeSpan.FromMilliseconds(1));
        var overshoot = hold.Complete(C(9));

        Assert.Equal(C(1), overshoot);
        Assert.Equal((C(1), C(1)), (writer.Overshoot, budget.Overshoot));
        Assert.Equal((C(0), C(0)), (writer.Reserved, budget.Reserved));
        Assert.False(writer.IsExceeded);
        mission.Agent("writer").Record(1, C(2), TimeSpan.FromMilliseconds(1));
        Assert.True(writer.IsExceeded);
        Assert.False(budget.IsExceeded);
    }

    [Fact]
    public void Attach_AnAgentsBudget_IsRefused()
    {
        var writer = new MissionBudget(100).ForAgent("writer", C(10));

        Assert.Throws<InvalidOperationException>(() => new MissionCostTracker(budget: writer));
    }

    /// <summary>
    /// Eight threads reserve, complete and release at random levels at once. Through a reservation no level ever holds
    /// more than its limit, and at the end every level is empty of holds and spent exactly what was charged to it.
    /// </summary>
    [Property(MaxTest = 40)]
    public Property EightThreads_AnyInterleaving_NoLevelPastItsLimit_AndTheLevelsAgree() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var budget = new MissionBudget(1_000);
            var a = budget.ForAgent("a", C(400));
            var a1 = a.ForAgent("a1", C(150));
            var b = budget.ForAgent("b", C(500));
            MissionBudget[] levels = [budget, a, a1, b];
            long[] settled = new long[levels.Length];
            int breaches = 0;

            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
            {
                var random = new Random(seed + thread);
                for (int i = 0; i < 300; i++)
                {
                    int at = random.Next(levels.Length);
                    long credits = random.Next(1, 60);
                    if (!levels[at].TryReserve(C(credits), out var hold))
                    {
                        continue;
                    }

                    foreach (var level in levels)
                    {
                        if (level.Spent + level.Reserved > level.Limit)
                        {
                            Interlocked.Increment(ref breaches);
                        }
                    }

                    if (random.Next(2) == 0)
                    {
                        long actual = random.Next(0, (int)credits + 1);
                        hold.Settle(C(actual));
                        for (var level = levels[at]; level is not null; level = level.Parent)
                        {
                            Interlocked.Add(ref settled[Array.IndexOf(levels, level)], actual);
                        }
                    }
                    else
                    {
                        hold.Dispose();
                    }
                }
            });

            return (breaches == 0).Label("no level past its limit")
                .And(levels.All(l => l.Reserved == ExactCredits.Zero).Label("nothing held at the end"))
                .And(levels.Select((l, i) => l.Spent == C(settled[i])).All(x => x).Label("each level spent what was settled at or below it"))
                .And((budget.Spent >= a.Spent + b.Spent && a.Spent >= a1.Spent).Label("a level spends at least its children's"));
        });
}
