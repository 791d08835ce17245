using AgentCosts;
using AgentCosts.Extensions.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace MissionHost.Missions;

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

    /// <summary>The sub-agent the architect delegates to in each of its steps: its costs roll up into the architect's.</summary>
    public const string Researcher = "researcher";

    /// <summary>Who starts whom: the roll-up of the report.</summary>
    public static readonly IReadOnlyDictionary<string, string> Parents = new Dictionary<string, string> { [Researcher] = "genesis-architect" };

    /// <summary>How many agents a mission records: the crew and its sub-agents.</summary>
    public static int AgentCount => Crew.Length + Parents.Count;

    /// <summary>The ActivitySource of the pipeline's inference spans (<c>UseOpenTelemetry</c>).</summary>
    public const string TraceSource = "MissionHost.Models";

    public sealed record Result(MissionCosts Costs, int StepsRun, int StepsRefused, ExactCredits BudgetLimit, ExactCredits BudgetSpent);

    /// <summary>
    /// The shared pipeline: the scripted model with cost tracking in front of it, inside an OpenTelemetry inference span
    /// per call that the cost tracking tags with the agent and the call's cost. <paramref name="clock"/> is the date calls
    /// are priced on.
    /// </summary>
    public static IChatClient CreatePipeline(PriceTable prices, IServiceProvider? services = null, TimeProvider? clock = null) =>
        new ChatClientBuilder(new ScriptedModel())
            // Spans only: a call the budget refuses is part of the simulation, not a warning for the console.
            .UseOpenTelemetry(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TraceSource)
            .UseAgentCosts(o =>
            {
                o.Prices = prices;
                o.AgentNameResolver = static () => AIAgent.CurrentRunContext?.Agent.Name;
                o.TimeProvider = clock ?? TimeProvider.System;
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
                    AIAgent agent = Agent(model, member.Agent, member.Model);

                    // The agent's own scope: a sub-agent begun inside it is recorded as the agent's (for the roll-up).
                    using var scope = AgentCostScope.Begin(mission, member.Agent);
                    for (int step = 0; step < member.Steps; step++)
                    {
                        try
                        {
                            await agent.RunAsync($"Mission {seed}, step {step}: do your part.", cancellationToken: cancellationToken);
                            Interlocked.Increment(ref run);
                            if (Parents.ContainsKey(Researcher) && member.Agent == Parents[Researcher])
                            {
                                using (AgentCostScope.Begin(mission, Researcher))
                                {
                                    await Agent(model, Researcher, "balanced").RunAsync($"Mission {seed}, step {step}: find the sources.", cancellationToken: cancellationToken);
                                }

                                Interlocked.Increment(ref run);
                            }
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

    private static ChatClientAgent Agent(IChatClient model, string name, string modelId) => new(model, new ChatClientAgentOptions
    {
        Name = name,
        ChatOptions = new ChatOptions
        {
            Instructions = $"You are the mission's {name}.",
            ModelId = modelId,
            MaxOutputTokens = MaxOutputTokens,
        },
    });
}
