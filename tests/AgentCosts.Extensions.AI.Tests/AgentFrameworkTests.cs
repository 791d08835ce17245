using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI.Tests;

/// <summary>The Microsoft Agent Framework names the agent: its run context flows into the chat client pipeline.</summary>
public sealed class AgentFrameworkTests
{
    [Fact]
    public async Task ChatClientAgent_ItsNameBecomesTheAgentInAgentCosts()
    {
        var prices = new PriceTable(new Dictionary<string, ModelPrice> { ["small"] = new(0.15m, 0.6m) });
        var mission = new MissionCostTracker(prices: prices);
        IChatClient model = new ChatClientBuilder(new ScriptedChatClient((_, _) => new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 500 }))
            .UseAgentCosts(o =>
            {
                o.Mission = mission;
                o.AgentNameResolver = () => AIAgent.CurrentRunContext?.Agent.Name;
            })
            .Build();
        AIAgent seo = new ChatClientAgent(model, instructions: "You audit landing pages.", name: "seo-analyst");
        AIAgent writer = new ChatClientAgent(model, instructions: "You write copy.", name: "copywriter");

        await seo.RunAsync("Audit https://example.com", cancellationToken: TestContext.Current.CancellationToken);
        await writer.RunAsync("Write a headline", cancellationToken: TestContext.Current.CancellationToken);
        await writer.RunAsync("Write another", cancellationToken: TestContext.Current.CancellationToken);

        var snapshot = mission.Snapshot();
        Assert.Equal(["copywriter", "seo-analyst"], snapshot.Agents.Keys);
        Assert.Equal(ExactCredits.FromCredits(0.9m), snapshot.Agents["copywriter"].ExactCost);
        Assert.Equal(1500, snapshot.Agents["seo-analyst"].Tokens);
    }
}
