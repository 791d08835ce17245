using System.Diagnostics.Metrics;
using AgentCosts.Metrics;
using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI.Tests;

public sealed class InputTokenEstimatorTests
{
    private static readonly PriceTable Prices = new(new Dictionary<string, ModelPrice> { ["small"] = new(0.15m, 0.6m) });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IChatClient Pipeline(IChatClient inner, Action<AgentCostsChatClientOptions>? configure = null) =>
        new ChatClientBuilder(inner).UseAgentCosts(o =>
        {
            o.Prices = Prices;
            o.ModelId = "small";
            configure?.Invoke(o);
        }).Build();

    /// <summary>A provider that bills one token per three characters of the whole request, as code and JSON often do.</summary>
    private static UsageDetails BillPerThreeCharacters(IEnumerable<ChatMessage> messages, ChatOptions? options) => new()
    {
        InputTokenCount = ChatRequestText.CountCharacters(messages, options) / 3,
        OutputTokenCount = 10,
    };

    [Fact]
    public async Task Calibrated_AfterTwentyCalls_EstimatesWithinTenPercentOfTheBill()
    {
        var estimator = new CalibratedInputTokenEstimator();
        var client = Pipeline(new ScriptedChatClient(BillPerThreeCharacters), o => o.InputTokenEstimator = estimator);
        var mission = new MissionCostTracker(budget: new MissionBudget(1_000_000));
        var random = new Random(7);

        using (AgentCostScope.Begin(mission, "analyst"))
        {
            for (int call = 0; call < 20; call++)
            {
                await client.GetResponseAsync(Request(random), cancellationToken: Ct);
            }
        }

        var next = Request(random);
        long billed = ChatRequestText.CountCharacters(next, null) / 3;
        long estimated = estimator.EstimateInputTokens(next, null, "small");
        Assert.InRange(estimated, billed * 0.9, billed * 1.1);
        Assert.InRange(estimator.GetTokensPerCharacter("small"), 0.3, 0.37);
        Assert.Equal(CalibratedInputTokenEstimator.InitialTokensPerCharacter, estimator.GetTokensPerCharacter("never-called"));
    }

    [Fact]
    public void CountCharacters_CountsInstructionsHistoryAndToolResults()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.System, "system text"),
            new(ChatRole.User, "question"),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "search", new Dictionary<string, object?> { ["q"] = "x" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "a tool's long result")]),
        ];

        long characters = ChatRequestText.CountCharacters(messages, new ChatOptions { Instructions = "be brief" });

        Assert.Equal(string.Concat(ChatRequestText.Pieces(messages, new ChatOptions { Instructions = "be brief" })).Length, characters);
        Assert.True(characters >= "be brief".Length + "system text".Length + "question".Length + "search".Length + "a tool's long result".Length);
    }

    [Fact]
    public async Task AnEstimatorThatThrows_RefusesTheCallWithItsErrorAndHoldsNothing()
    {
        var inner = new ScriptedChatClient((_, _) => new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 });
        var client = Pipeline(inner, o => o.InputTokenEstimator = new ThrowingEstimator());
        var mission = new MissionCostTracker(budget: new MissionBudget(100));

        using (AgentCostScope.Begin(mission, "a"))
        {
            await Assert.ThrowsAsync<FormatException>(() => client.GetResponseAsync("q", cancellationToken: Ct));
        }

        Assert.Equal(0, inner.Calls);
        Assert.Equal(ExactCredits.Zero, mission.Budget!.Reserved);
    }

    [Fact]
    public async Task AResponseWithoutUsage_TeachesTheEstimatorNothingAndReleasesTheHold()
    {
        var estimator = new CalibratedInputTokenEstimator();
        var client = Pipeline(new ScriptedChatClient((_, _) => null), o => o.InputTokenEstimator = estimator);
        var mission = new MissionCostTracker(budget: new MissionBudget(100));

        using (AgentCostScope.Begin(mission, "a"))
        {
            await client.GetResponseAsync(new string('x', 4000), cancellationToken: Ct);
        }

        Assert.Equal(CalibratedInputTokenEstimator.InitialTokensPerCharacter, estimator.GetTokensPerCharacter("small"));
        Assert.Equal(ExactCredits.Zero, mission.Budget!.Reserved);
    }

    [Fact]
    public async Task AnAgentsOwnBudget_RefusesBeforeTheModelIsCalled_AndTheErrorNamesIt()
    {
        var inner = new ScriptedChatClient((_, _) => new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 100 });
        var budget = new MissionBudget(100);
        budget.ForAgent("copywriter", ExactCredits.FromCredits(0.5m));
        var mission = new MissionCostTracker(budget: budget);
        var client = Pipeline(inner, o => o.DefaultMaxOutputTokens = 1000);

        BudgetExceededException error;
        using (AgentCostScope.Begin(mission, "copywriter"))
        {
            error = await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(new string('x', 4000), cancellationToken: Ct));
        }

        using (AgentCostScope.Begin(mission, "analyst"))
        {
            await client.GetResponseAsync(new string('x', 4000), cancellationToken: Ct);
        }

        Assert.Equal("copywriter", error.AgentName);
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task ACallThatCostsMoreThanItsEstimate_IsRecordedAsOvershoot()
    {
        var inner = new ScriptedChatClient((_, _) => new UsageDetails { InputTokenCount = 10_000, OutputTokenCount = 0 });
        var metrics = new AgentCostsMetrics();
        var mission = new MissionCostTracker(metrics: metrics, budget: new MissionBudget(100));
        var client = Pipeline(inner, o => o.DefaultMaxOutputTokens = 0);
        double measured = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument == metrics.BudgetOvershoot)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => measured += value);
        listener.Start();

        using (AgentCostScope.Begin(mission, "a"))
        {
            await client.GetResponseAsync(new string('x', 400), cancellationToken: Ct); // estimated 100 input tokens, billed 10,000
        }

        // (10,000 − 100) × 0.00015 credits.
        Assert.Equal(ExactCredits.FromCredits(1.485m), mission.Budget!.Overshoot);
        Assert.Equal(1.485, measured, 6);
    }

    private static List<ChatMessage> Request(Random random) =>
    [
        new(ChatRole.System, "You analyse pages for search engines. Answer in JSON."),
        new(ChatRole.User, "Page: " + new string('p', random.Next(1500, 4000))),
        new(ChatRole.Assistant, "{\"findings\": " + random.Next(3, 12) + "}"),
        new(ChatRole.User, "Now the meta description."),
    ];

    private sealed class ThrowingEstimator : IInputTokenEstimator
    {
        public long EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId) =>
            throw new FormatException("The tokenizer could not read the request.");
    }
}
