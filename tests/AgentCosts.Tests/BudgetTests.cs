using System.Diagnostics.Metrics;
using AgentCosts.Metrics;

namespace AgentCosts.Tests;

public sealed class BudgetTests
{
    private static ExactCredits C(long credits) => ExactCredits.FromCredits(credits);

    private static ExactCredits C(decimal credits) => ExactCredits.FromCredits(credits);

    [Fact]
    public void ReserveAndSettle_TracksSpentReservedRemaining()
    {
        var budget = new MissionBudget(100);

        var reservation = budget.Reserve(40);
        Assert.Equal((C(0), C(40), C(60)), (budget.Spent, budget.Reserved, budget.Remaining));

        reservation.Settle(25);
        Assert.Equal((C(25), C(0), C(75)), (budget.Spent, budget.Reserved, budget.Remaining));
        Assert.Throws<InvalidOperationException>(() => reservation.Settle(1));
    }

    [Fact]
    public void ReserveAndSettle_ExactAmounts_AreKeptExactly()
    {
        var budget = new MissionBudget(C(1m));

        budget.Reserve(C(0.4m)).Settle(C(0.333333333m));
        budget.Reserve(C(0.4m)).Settle(C(0.333333333m));

        Assert.Equal(C(0.666666666m), budget.Spent);
        Assert.Equal(C(0.333333334m), budget.Remaining);
        Assert.False(budget.TryReserve(C(0.333333335m), out _));
        Assert.True(budget.TryReserve(C(0.333333334m), out _));
    }

    [Fact]
    public void TryReserve_OverBudget_ReturnsFalseAndHoldsNothing()
    {
        var budget = new MissionBudget(100);
        budget.Reserve(70);

        Assert.False(budget.TryReserve(31, out _));
        Assert.Equal(C(30), budget.Remaining);
        var error = Assert.Throws<BudgetExceededException>(() => budget.Reserve(31));
        Assert.Equal((C(100), C(31), C(30)), (error.Limit, error.Requested, error.Remaining));
    }

    [Fact]
    public void Dispose_Unsettled_ReleasesHold()
    {
        var budget = new MissionBudget(10);
        using (budget.Reserve(10))
        {
            Assert.Equal(C(0), budget.Remaining);
        }

        Assert.Equal(C(10), budget.Remaining);
        Assert.Equal(C(0), budget.Spent);
    }

    [Fact]
    public void Settle_MoreThanReserved_IsChargedAndRemainingNeverNegative()
    {
        var budget = new MissionBudget(10);
        budget.Reserve(5).Settle(12);

        Assert.Equal(C(12), budget.Spent);
        Assert.Equal(C(0), budget.Remaining);
        Assert.True(budget.IsExceeded);
        Assert.False(budget.TryReserve(1, out _));
    }

    [Fact]
    public void Reserve_Negative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MissionBudget(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MissionBudget(1).TryReserve(-1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MissionBudget(1).Reserve(1).Settle(-1));
    }

    [Fact]
    public void Tracker_RecordedCosts_AreSpentInItsBudget()
    {
        var budget = new MissionBudget(10);
        var mission = new MissionCostTracker(budget: budget);
        var agent = mission.Agent("a");

        agent.Record(100, C(0.25m), TimeSpan.FromMilliseconds(5));
        agent.AddCost(ExactCredits.FromCredits(2));
        mission.Agent("b").StartLaps().Lap(1, C(0.5m));

        Assert.Equal(C(2.75m), budget.Spent);
        Assert.Equal(C(7.25m), budget.Remaining);
        Assert.False(budget.IsExceeded);
    }

    [Fact]
    public void Tracker_ReservationReleasedAfterRecording_IsNotCountedTwice()
    {
        var budget = new MissionBudget(10);
        var agent = new MissionCostTracker(budget: budget).Agent("a");

        using (var hold = budget.Reserve(6))
        {
            Assert.Equal(C(4), budget.Remaining);
            agent.Record(10, C(1.5m), TimeSpan.FromMilliseconds(0));
            Assert.Equal(C(2.5m), budget.Remaining); // spent 1.5 and still holding 6 until the hold is released
        }

        Assert.Equal((C(1.5m), C(0), C(8.5m)), (budget.Spent, budget.Reserved, budget.Remaining));
    }

    [Fact]
    public void Tracker_SettleOnItsBudget_IsRefusedSoNothingIsCountedTwice()
    {
        var budget = new MissionBudget(10);
        _ = new MissionCostTracker(budget: budget);

        var hold = budget.Reserve(2);

        var error = Assert.Throws<InvalidOperationException>(() => hold.Settle(1));
        Assert.Contains("record the cost", error.Message, StringComparison.Ordinal);
        hold.Dispose();
        Assert.Equal(C(0), budget.Spent);
    }

    [Fact]
    public void Tracker_BudgetOfAnotherTracker_IsRefused()
    {
        var budget = new MissionBudget(10);
        _ = new MissionCostTracker(budget: budget);

        Assert.Throws<InvalidOperationException>(() => new MissionCostTracker(budget: budget));
    }

    [Fact]
    public void Tracker_RecordPastTheLimit_IsRecordedMarksExceededAndRaisesMetricOnce()
    {
        using var metrics = new AgentCostsMetrics(meterName: "AgentCosts.Tests.Budget.Exceeded");
        long exceeded = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, metrics.BudgetExceeded))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref exceeded, value));
        listener.Start();
        var budget = new MissionBudget(1);
        var mission = new MissionCostTracker(metrics, budget: budget);

        mission.Record("a", 0, C(0.75m), TimeSpan.FromMilliseconds(0));
        Assert.False(budget.IsExceeded);
        mission.Record("a", 0, C(0.5m), TimeSpan.FromMilliseconds(0));
        mission.Record("a", 0, C(0.5m), TimeSpan.FromMilliseconds(0));

        Assert.True(budget.IsExceeded);
        Assert.Equal(C(1.75m), budget.Spent);
        Assert.Equal(2, mission.Snapshot().Total.Cost);
        Assert.Equal(1, exceeded);
    }

    [Fact]
    public async Task TryReserve_EightThreadsRacing_NeverExceedBudget()
    {
        const long Limit = 100_000;
        var budget = new MissionBudget(Limit);
        long granted = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(
            () =>
            {
                for (int i = 0; i < 50_000; i++)
                {
                    long amount = 1 + ((i + t) % 7);
                    if (budget.TryReserve(amount, out var reservation))
                    {
                        Interlocked.Add(ref granted, amount);
                        reservation.Settle(amount);
                    }
                }
            },
            TestContext.Current.CancellationToken)));

        Assert.True(granted <= Limit);
        Assert.Equal(C(granted), budget.Spent);
        Assert.True(Limit - granted < 7, "the budget should be nearly used up");
    }

    [Fact]
    public async Task Tracker_EightThreadsRecordingAndReserving_ReservationsNeverPassTheLimitAndSpentIsTheExactSum()
    {
        var limit = C(1_000m);
        var budget = new MissionBudget(limit);
        var mission = new MissionCostTracker(budget: budget);
        var recorded = new long[8];

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(
            () =>
            {
                var agent = mission.Agent($"agent-{t}");
                for (int i = 0; i < 20_000; i++)
                {
                    // 0.001 to 0.013 credits per call, reserved at twice that, recorded exactly, then released.
                    long nanocredits = 1_000_000L * (1 + ((i + t) % 13));
                    var cost = new ExactCredits(nanocredits);
                    if (!budget.TryReserve(new ExactCredits(2 * nanocredits), out var hold))
                    {
                        continue;
                    }

                    // Every recorded cost was covered by a hold granted first: spending can pass the limit only if holds did.
                    using (hold)
                    {
                        agent.Record(1, cost, TimeSpan.FromMilliseconds(0));
                        recorded[t] += nanocredits;
                    }
                }
            },
            TestContext.Current.CancellationToken)));

        Assert.Equal(new ExactCredits(recorded.Sum()), budget.Spent);
        Assert.Equal(new ExactCredits(recorded.Sum()), mission.Snapshot().Total.ExactCost);
        Assert.True(budget.Spent <= limit, $"spent {budget.Spent} of {limit}");
        Assert.True(budget.Spent > C(900m), "the racing agents should have used most of the budget");
        Assert.Equal(C(0), budget.Reserved);
    }
}
