using AgentCosts;
using AgentCosts.Extensions.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace MissionHost;

/// <summary>
/// Runs one mission the way the seed's overseer does: several Microsoft Agent Framework agents working concurrently,
/// each calling its model through one shared chat-client pipeline with <c>UseAgentCosts</c>. The middleware attributes
/// every call to the running agent (its own name, from the framework's run context), prices it exactly, reserves the
/// mission's budget before the model is called and refuses a call the budget cannot cover. The model is
/// <see cref="ScriptedModel"/>: deterministic usage and latency for a seed, so runs can be compared.
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

    private const int MaxOutputTokens = 1500;

    public sealed record Result(MissionCosts Costs, int StepsRun, int StepsRefused, ExactCredits BudgetLimit, ExactCredits BudgetSpent);

    /// <summary>The shared pipeline: the scripted model with cost tracking in front of it.</summary>
    public static IChatClient CreatePipeline(PriceTable prices, IServiceProvider? services = null) =>
        new ChatClientBuilder(new ScriptedModel())
            .UseAgentCosts(o =>
            {
                o.Prices = prices;
                o.AgentNameResolver = static () => AIAgent.CurrentRunContext?.Agent.Name;
            })
            .Build(services);

    public static async Task<Result> RunAsync(MissionCostTracker mission, IChatClient model, int seed, CancellationToken cancellationToken)
    {
        int refused = 0, run = 0;

        // Mission-only scope: the middleware charges this mission and takes each call's agent from the running agent.
        using (AgentCostScope.Begin(mission))
        {
            await Task.WhenAll(Crew.Select(member => Task.Run(
                async () =>
                {
                    AIAgent agent = new ChatClientAgent(model, new ChatClientAgentOptions
                    {
                        Name = member.Agent,
                        ChatOptions = new ChatOptions
                        {
                            Instructions = $"You are the mission's {member.Agent}.",
                            ModelId = member.Model,
                            MaxOutputTokens = MaxOutputTokens,
                        },
                    });
                    for (int step = 0; step < member.Steps; step++)
                    {
                        try
                        {
                            await agent.RunAsync($"Mission {seed}, step {step}: do your part.", cancellationToken: cancellationToken);
                            Interlocked.Increment(ref run);
                        }
                        catch (BudgetExceededException)
                        {
                            Interlocked.Increment(ref refused);
                            break;
                        }
                    }
                },
                cancellationToken)));
        }

        var budget = mission.Budget;
        return new Result(mission.Snapshot(), run, refused, budget?.Limit ?? ExactCredits.Zero, budget?.Spent ?? ExactCredits.Zero);
    }
}
