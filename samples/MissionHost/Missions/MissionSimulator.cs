using AgentCosts;
using AgentCosts.Extensions.AI;
using AgentCosts.Tokenizers;
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

    /// <summary>The agent with a budget of its own inside the mission's: a share of it, so one agent cannot spend it all.</summary>
    public const string BudgetedAgent = "copywriter";

    /// <summary>The share of the mission's budget <see cref="BudgetedAgent"/> may spend.</summary>
    public const decimal BudgetedAgentShare = 0.3m;

    public sealed record Result(
        MissionCosts Costs, int StepsRun, int StepsRefused, ExactCredits BudgetLimit, ExactCredits BudgetSpent, ExactCredits Overshoot, MissionBudget? AgentBudget);

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

                // Each request's input counted with the tokenizer the model bills by: the reservation is what the call will cost.
                o.InputTokenEstimator = Estimator;
                o.AgentNameResolver = static () => AIAgent.CurrentRunContext?.Agent.Name;
                o.TimeProvider = clock ?? TimeProvider.System;
            })
            .Build(services);

    /// <summary>The sample's models are deployments of one tokenizer family: its requests are counted with o200k_base.</summary>
    private static readonly TiktokenInputTokenEstimator Estimator = new(Crew.Select(m => m.Model).Distinct()
        .ToDictionary(model => model, _ => TiktokenInputTokenEstimator.O200kBase));

    public static async Task<Result> RunAsync(MissionCostTracker mission, IChatClient model, int seed, CancellationToken cancellationToken)
    {
        int refused = 0, run = 0;
        var agentBudget = mission.Budget is { } missionBudget
            ? missionBudget.ForAgent(BudgetedAgent, ExactCredits.FromCredits(missionBudget.Limit.Credits * BudgetedAgentShare))
            : null;

        // Mission-only scope: the middleware charges this mission and takes each call's agent from the running agent.
        using (AgentCostScope.Begin(mission))
        {
            await Task.WhenAll(Crew.Select(member => Task.Run(
                async () =>
                {
                    AIAgent agent = Agent(model, member.Agent, member.Model);
                    AIAgent researcher = Agent(model, Researcher, "balanced");

                    // Each agent keeps its conversation: a step's request carries the instructions, every earlier page and
                    // answer, and a new page of a few KiB to analyse.
                    var session = await agent.CreateSessionAsync(cancellationToken);
                    var researcherSession = await researcher.CreateSessionAsync(cancellationToken);

                    // The agent's own scope: a sub-agent begun inside it is recorded as the agent's (for the roll-up).
                    using var scope = AgentCostScope.Begin(mission, member.Agent);
                    for (int step = 0; step < member.Steps; step++)
                    {
                        try
                        {
                            string page = SamplePages.Page(seed, member.Agent, step);
                            await agent.RunAsync($"Mission {seed}, step {step}: do your part for this page.\n{page}", session, cancellationToken: cancellationToken);
                            Interlocked.Increment(ref run);
                            if (member.Agent == Parents[Researcher])
                            {
                                using (AgentCostScope.Begin(mission, Researcher))
                                {
                                    await researcher.RunAsync($"Mission {seed}, step {step}: find the sources for this page.\n{page}", researcherSession, cancellationToken: cancellationToken);
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
        return new Result(
            mission.Snapshot(), run, refused, budget?.Limit ?? ExactCredits.Zero, budget?.Spent ?? ExactCredits.Zero, budget?.Overshoot ?? ExactCredits.Zero, agentBudget);
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
