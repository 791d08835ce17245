using AgentCosts;
using AgentCosts.Budgets;
using AgentCosts.Pricing;

namespace MissionHost;

/// <summary>
/// Runs one simulated mission: several agents working concurrently, each step reserving credits from the mission budget
/// before it "calls a model", then recording its tokens, credits and time. Token use and latency are deterministic for a
/// seed, so runs can be compared.
/// </summary>
internal static class MissionSimulator
{
    public static readonly (string Agent, string Model, int Steps)[] Crew =
    [
        ("genesis-architect", "large-reasoner", 3),
        ("seo-analyst", "small-fast", 6),
        ("copywriter", "balanced", 5),
        ("fact-checker", "small-fast", 4),
        ("publisher", "small-fast", 2),
    ];

    public sealed record Result(MissionCosts Costs, int StepsRun, int StepsRefused, ExactCredits BudgetLimit, ExactCredits BudgetSpent);

    public static async Task<Result> RunAsync(MissionCostTracker mission, PriceTable prices, int seed, CancellationToken cancellationToken)
    {
        int refused = 0, run = 0;
        await Task.WhenAll(Crew.Select((member, index) => Task.Run(
            () =>
            {
                var random = new Random(HashCode.Combine(seed, index));
                var agent = mission.Agent(member.Agent);
                for (int step = 0; step < member.Steps; step++)
                {
                    int input = random.Next(400, 4000);
                    int output = random.Next(100, 1500);

                    // Reserve the worst case (the longest answer) before the call. The tracker is the budget's ledger: the
                    // exact cost recorded below is spent there, and disposing the reservation releases the hold.
                    var estimate = prices.GetExactCost(member.Model, input, 1500);
                    BudgetReservation? reservation = null;
                    if (mission.Budget is { } budget && !budget.TryReserve(estimate, out reservation))
                    {
                        Interlocked.Increment(ref refused);
                        break;
                    }

                    using (reservation)
                    {
                        long started = TimeProvider.System.GetTimestamp();
                        SimulateModelCall(random);
                        var elapsed = TimeProvider.System.GetElapsedTime(started);
                        var latency = TimeSpan.FromMilliseconds(random.Next(150, 2500)); // the model's simulated latency
                        var usage = new TokenUsage(input, output);
                        agent.RecordUsage(member.Model, usage, prices.GetExactCost(member.Model, usage), elapsed + latency);
                    }
                    Interlocked.Increment(ref run);
                }
            },
            cancellationToken)));

        var budgetState = mission.Budget;
        return new Result(mission.Snapshot(), run, refused, budgetState?.Limit ?? ExactCredits.Zero, budgetState?.Spent ?? ExactCredits.Zero);
    }

    /// <summary>Real in-process work standing in for the model call: build and parse a small JSON reply.</summary>
    private static void SimulateModelCall(Random random)
    {
        var reply = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            Enumerable.Range(0, 50).Select(i => random.Next()).ToArray(),
            SampleJsonContext.Default.Int32Array);
        using var document = System.Text.Json.JsonDocument.Parse(reply);
        _ = document.RootElement.GetArrayLength();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(int[]))]
internal sealed partial class SampleJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
