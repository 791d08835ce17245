using AgentCosts.Budgets;

namespace AgentCosts.Tests;

public sealed class BudgetTests
{
    [Fact]
    public void ReserveAndSettle_TracksSpentReservedRemaining()
    {
        var budget = new MissionBudget(100);

        var reservation = budget.Reserve(40);
        Assert.Equal((0L, 40L, 60L), (budget.Spent, budget.Reserved, budget.Remaining));

        reservation.Settle(25);
        Assert.Equal((25L, 0L, 75L), (budget.Spent, budget.Reserved, budget.Remaining));
        Assert.Throws<InvalidOperationException>(() => reservation.Settle(1));
    }

    [Fact]
    public void TryReserve_OverBudget_ReturnsFalseAndHoldsNothing()
    {
        var budget = new MissionBudget(100);
        budget.Reserve(70);

        Assert.False(budget.TryReserve(31, out _));
        Assert.Equal(30, budget.Remaining);
        var error = Assert.Throws<BudgetExceededException>(() => budget.Reserve(31));
        Assert.Equal((100L, 31L, 30L), (error.Limit, error.Requested, error.Remaining));
    }

    [Fact]
    public void Dispose_Unsettled_ReleasesHold()
    {
        var budget = new MissionBudget(10);
        using (budget.Reserve(10))
        {
            Assert.Equal(0, budget.Remaining);
        }

        Assert.Equal(10, budget.Remaining);
        Assert.Equal(0, budget.Spent);
    }

    [Fact]
    public void Settle_MoreThanReserved_IsChargedAndRemainingNeverNegative()
    {
        var budget = new MissionBudget(10);
        budget.Reserve(5).Settle(12);

        Assert.Equal(12, budget.Spent);
        Assert.Equal(0, budget.Remaining);
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
        Assert.Equal(granted, budget.Spent);
        Assert.True(Limit - granted < 7, "the budget should be nearly used up");
    }
}
