using System.Diagnostics.Metrics;
using AgentCosts.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentCosts.Extensions.AI.Tests;

public sealed class AgentCostsChatClientTests
{
    private static readonly PriceTable Prices = new(new Dictionary<string, ModelPrice>
    {
        ["small"] = new(0.15m, 0.6m),
        ["cached"] = new(0.15m, 0.6m, cachedInputCreditsPer1000Tokens: 0.03m),
    });

    private static UsageDetails Usage(long input, long output, long? cached = null, long? reasoning = null) => new()
    {
        InputTokenCount = input,
        OutputTokenCount = output,
        TotalTokenCount = input + output,
        CachedInputTokenCount = cached,
        ReasoningTokenCount = reasoning,
    };

    private static IChatClient Pipeline(IChatClient inner, Action<AgentCostsChatClientOptions>? configure = null) =>
        new ChatClientBuilder(inner).UseAgentCosts(o =>
        {
            o.Prices = Prices;
            configure?.Invoke(o);
        }).Build();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetResponse_ThousandCallsOfFortyFiveHundredths_Cost450Exactly()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(1000, 500));
        var mission = new MissionCostTracker();
        var client = Pipeline(inner);

        using (AgentCostScope.Begin(mission, "seo-analyst"))
        {
            for (int i = 0; i < 1000; i++)
            {
                await client.GetResponseAsync("audit the page", cancellationToken: Ct);
            }
        }

        var agent = mission.Snapshot().Agents["seo-analyst"];
        Assert.Equal(450, agent.Cost);
        Assert.Equal(ExactCredits.FromCredits(450), agent.ExactCost);
        Assert.Equal(1_500_000, agent.Tokens);
        Assert.Equal(new TokenUsage(1_000_000, 500_000), agent.Usage);
        Assert.Equal(1000, mission.Snapshot().Models["small"].Calls);
    }

    [Fact]
    public async Task GetResponse_CachedInput_IsPricedAtTheCachedPrice()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(1000, 500, cached: 400, reasoning: 120), modelId: "cached");
        var mission = new MissionCostTracker();

        await Pipeline(inner, o => o.Mission = mission).GetResponseAsync("q", cancellationToken: Ct);

        // 600 × 0.00015 + 400 × 0.00003 + 500 × 0.0006 = 0.09 + 0.012 + 0.3
        var agent = mission.Snapshot().Agents[AgentCostsChatClient.UnattributedAgentName];
        Assert.Equal(ExactCredits.FromCredits(0.402m), agent.ExactCost);
        Assert.Equal(new TokenUsage(1000, 500, 400, 120), agent.Usage);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SharedPipeline_EightTasksInTheirOwnScopes_EachAgentGetsExactlyItsScriptedUsage(bool streaming)
    {
        // Usage depends on the message, so a call charged to the wrong agent would show up in the sums.
        var inner = new ScriptedChatClient((messages, _) =>
        {
            int n = int.Parse(messages.Last().Text, System.Globalization.CultureInfo.InvariantCulture);
            return Usage(100 + n, 10 + (n % 7));
        });
        var client = Pipeline(inner);
        var mission = new MissionCostTracker();
        const int Calls = 1000;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(
            async () =>
            {
                using var scope = AgentCostScope.Begin(mission, $"agent-{t}");
                for (int i = 0; i < Calls; i++)
                {
                    string n = ((t * Calls) + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (streaming)
                    {
                        await foreach (var update in client.GetStreamingResponseAsync(n, cancellationToken: Ct))
                        {
                            _ = update;
                        }
                    }
                    else
                    {
                        await client.GetResponseAsync(n, cancellationToken: Ct);
                    }
                }
            },
            Ct)));

        var snapshot = mission.Snapshot();
        for (int t = 0; t < 8; t++)
        {
            var expected = Enumerable.Range(t * Calls, Calls).Aggregate(TokenUsage.Zero, (sum, n) => sum + new TokenUsage(100 + n, 10 + (n % 7)));
            var agent = snapshot.Agents[$"agent-{t}"];
            Assert.Equal(expected, agent.Usage);
            Assert.Equal(Prices.GetExactCost("small", expected), agent.ExactCost);
        }

        Assert.Equal(8 * Calls, inner.Calls);
    }

    [Fact]
    public void Scope_BegunInsideAnotherAgentsScope_RecordsItsParent_ForTheRollUp()
    {
        var mission = new MissionCostTracker();
        using (AgentCostScope.Begin(mission, "planner"))
        {
            using (AgentCostScope.Begin(mission, "researcher"))
            {
                mission.Record("researcher", 10, ExactCredits.FromCredits(3), TimeSpan.FromMilliseconds(1));
            }

            mission.Record("planner", 5, ExactCredits.FromCredits(1), TimeSpan.FromMilliseconds(1));
        }

        using (AgentCostScope.Begin(new MissionCostTracker(), "elsewhere"))
        {
            using var other = AgentCostScope.Begin(mission, "unrelated");
        }

        var snapshot = mission.Snapshot();
        Assert.Equal(new Dictionary<string, string> { ["researcher"] = "planner" }, snapshot.Parents);
        Assert.Equal(4, snapshot.RollUp()["planner"].Cost);
    }

    [Fact]
    public async Task Scope_Nested_RestoresTheOuterAgent()
    {
        var mission = new MissionCostTracker();
        var client = Pipeline(new ScriptedChatClient((_, _) => Usage(10, 10)));

        using (AgentCostScope.Begin(mission, "overseer"))
        {
            await client.GetResponseAsync("a", cancellationToken: Ct);
            using (AgentCostScope.Begin("sub-agent"))
            {
                Assert.Same(mission, AgentCostScope.Current!.Mission);
                await client.GetResponseAsync("b", cancellationToken: Ct);
            }

            await client.GetResponseAsync("c", cancellationToken: Ct);
        }

        Assert.Null(AgentCostScope.Current);
        Assert.Equal(40, mission.Snapshot().Agents["overseer"].Tokens);
        Assert.Equal(20, mission.Snapshot().Agents["sub-agent"].Tokens);
    }

    [Fact]
    public async Task Options_FixedAgentAndMission_WinOverTheScope()
    {
        var fixedMission = new MissionCostTracker();
        var scoped = new MissionCostTracker();
        var client = Pipeline(new ScriptedChatClient((_, _) => Usage(10, 10)), o => { o.Mission = fixedMission; o.AgentName = "fixed"; });

        using (AgentCostScope.Begin(scoped, "scoped"))
        {
            await client.GetResponseAsync("a", cancellationToken: Ct);
        }

        Assert.Equal(["fixed"], fixedMission.Snapshot().Agents.Keys);
        Assert.Empty(scoped.Snapshot().Agents);
    }

    [Fact]
    public async Task NoMission_PassesThroughUntouchedAndIsCounted()
    {
        using var metrics = new AgentCostsMetrics(meterName: "AgentCosts.Extensions.AI.Tests." + Guid.NewGuid());
        long untracked = 0;
        using var listener = Listen(metrics.Untracked, v => Interlocked.Add(ref untracked, v));
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10));
        var client = Pipeline(inner, o => o.Metrics = metrics);

        var response = await client.GetResponseAsync("a", cancellationToken: Ct);
        await foreach (var update in client.GetStreamingResponseAsync("b", cancellationToken: Ct))
        {
            _ = update;
        }

        Assert.Equal("done", response.Text);
        Assert.Equal(2, inner.Calls);
        Assert.Equal(2, untracked);
    }

    [Fact]
    public async Task ResponseWithoutUsage_IsRecordedWithZeroTokensAndCounted()
    {
        using var metrics = new AgentCostsMetrics(meterName: "AgentCosts.Extensions.AI.Tests." + Guid.NewGuid());
        long missing = 0;
        using var listener = Listen(metrics.UsageMissing, v => Interlocked.Add(ref missing, v));
        var time = new FakeTimeProvider();
        var inner = new ScriptedChatClient((_, _) => null) { BeforeAnswer = _ => { time.Advance(TimeSpan.FromMilliseconds(30)); return Task.CompletedTask; } };
        var mission = new MissionCostTracker(metrics);

        await Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; o.TimeProvider = time; }).GetResponseAsync("q", cancellationToken: Ct);

        var agent = mission.Snapshot().Agents["a"];
        Assert.Equal((0L, ExactCredits.Zero, 30L), (agent.Tokens, agent.ExactCost, agent.DurationMilliseconds));
        Assert.Equal(1, missing);
    }

    [Fact]
    public async Task Budget_EstimateLargerThanTheBudget_ThrowsWithoutCallingTheModel()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10));
        var mission = new MissionCostTracker(budget: new MissionBudget(1));
        var client = Pipeline(inner, o => o.ModelId = "small");

        using (AgentCostScope.Begin(mission, "a"))
        {
            // 4,096 output tokens × 0.0006 = 2.4576 credits > 1.
            var error = await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync("q", cancellationToken: Ct));
            Assert.Equal(ExactCredits.FromCredits(1), error.Limit);
            var stream = client.GetStreamingResponseAsync("q", cancellationToken: Ct); // nothing is reserved until enumeration
            Assert.Equal(ExactCredits.Zero, mission.Budget!.Reserved);
            await Assert.ThrowsAsync<BudgetExceededException>(async () =>
            {
                await foreach (var update in stream)
                {
                    _ = update;
                }
            });

            // Within the budget when the request caps its output.
            await client.GetResponseAsync("q", new ChatOptions { MaxOutputTokens = 1000 }, Ct);
        }

        Assert.Equal(1, inner.Calls);
        Assert.Equal(ExactCredits.FromCredits(0.0075m), mission.Budget!.Spent);
        Assert.Equal(ExactCredits.Zero, mission.Budget.Reserved);
    }

    [Fact]
    public async Task Budget_EstimateCountsTheRequestsCharactersOverFour()
    {
        var mission = new MissionCostTracker(budget: new MissionBudget(ExactCredits.FromCredits(0.00075m)));
        var client = Pipeline(new ScriptedChatClient((_, _) => Usage(0, 0)), o => { o.ModelId = "small"; o.DefaultMaxOutputTokens = 0; });

        using (AgentCostScope.Begin(mission, "a"))
        {
            await client.GetResponseAsync(new string('x', 20), cancellationToken: Ct); // 5 tokens × 0.00015 = 0.00075
            await Assert.ThrowsAsync<BudgetExceededException>(() => client.GetResponseAsync(new string('x', 21), cancellationToken: Ct)); // 6 tokens
        }
    }

    [Fact]
    public async Task Budget_EightTasksRacing_NeverSpendPastTheLimit()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(1000, 500));
        var mission = new MissionCostTracker(budget: new MissionBudget(10));
        var client = Pipeline(inner, o => o.ModelId = "small");
        long refused = 0;
        string prompt = new('x', 4000); // estimated at 1,000 input tokens, and capped at 500 output: the estimate is the real cost

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(
            async () =>
            {
                using var scope = AgentCostScope.Begin(mission, $"agent-{t}");
                for (int i = 0; i < 200; i++)
                {
                    try
                    {
                        await client.GetResponseAsync(prompt, new ChatOptions { MaxOutputTokens = 500 }, Ct);
                    }
                    catch (BudgetExceededException)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            },
            Ct)));

        var budget = mission.Budget!;
        Assert.True(budget.Spent <= budget.Limit, budget.ToString());
        Assert.False(budget.IsExceeded);
        Assert.Equal(22, inner.Calls); // 0.45 credits each: 22 fit in 10 credits, the 23rd cannot be reserved
        Assert.Equal((8 * 200) - 22, refused);
        Assert.Equal(mission.Snapshot().Total.ExactCost, budget.Spent);
    }

    [Fact]
    public async Task InnerClientThrows_ExceptionPropagatesReservationIsReleasedAndTimeIsRecorded()
    {
        var time = new FakeTimeProvider();
        var failure = new InvalidOperationException("the model is down");
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10)) { BeforeAnswer = _ => { time.Advance(TimeSpan.FromMilliseconds(40)); throw failure; } };
        var mission = new MissionCostTracker(budget: new MissionBudget(10));
        var client = Pipeline(inner, o => { o.ModelId = "small"; o.TimeProvider = time; o.Mission = mission; o.AgentName = "a"; });

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync("q", cancellationToken: Ct));

        Assert.Same(failure, thrown);
        Assert.Equal(ExactCredits.Zero, mission.Budget!.Reserved);
        Assert.Equal(ExactCredits.FromCredits(10), mission.Budget.Remaining);
        Assert.Equal(new AgentCost(0, ExactCredits.Zero, 40), mission.Snapshot().Agents["a"]);
    }

    [Fact]
    public async Task InnerClientThrows_WithRecordFailedCallsOff_RecordsNothing()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10)) { BeforeAnswer = _ => throw new TimeoutException() };
        var mission = new MissionCostTracker();
        var client = Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; o.RecordFailedCalls = false; });

        await Assert.ThrowsAsync<TimeoutException>(() => client.GetResponseAsync("q", cancellationToken: Ct));

        Assert.Equal(AgentCost.Zero, mission.Snapshot().Agents["a"]);
    }

    [Fact]
    public async Task Cancelled_ReleasesTheReservationAndRecordsTheTime()
    {
        using var cancellation = new CancellationTokenSource();
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10))
        {
            BeforeAnswer = async ct =>
            {
                await cancellation.CancelAsync();
                ct.ThrowIfCancellationRequested();
            },
        };
        var mission = new MissionCostTracker(budget: new MissionBudget(10));
        var client = Pipeline(inner, o => { o.ModelId = "small"; o.Mission = mission; o.AgentName = "a"; });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync("q", cancellationToken: cancellation.Token));

        Assert.Equal(ExactCredits.Zero, mission.Budget!.Reserved);
        Assert.Equal(0, mission.Snapshot().Agents["a"].Tokens);
    }

    [Fact]
    public async Task Streaming_ConsumerStopsAfterTwoUpdates_RecordsWhatWasSeenAndTheTimeUntilThen()
    {
        var time = new FakeTimeProvider();
        var inner = new ScriptedChatClient((_, _) => Usage(100, 50)) { StreamedTextUpdates = 5, BeforeAnswer = _ => { time.Advance(TimeSpan.FromMilliseconds(10)); return Task.CompletedTask; } };
        var mission = new MissionCostTracker(budget: new MissionBudget(10));
        var client = Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; o.TimeProvider = time; o.ModelId = "small"; });

        int seen = 0;
        await foreach (var update in client.GetStreamingResponseAsync("q", cancellationToken: Ct))
        {
            if (++seen == 2)
            {
                time.Advance(TimeSpan.FromMilliseconds(5));
                break;
            }
        }

        var agent = mission.Snapshot().Agents["a"];
        Assert.Equal((0L, 25L), (agent.Tokens, agent.DurationMilliseconds)); // no usage arrived before the break; time until it
        Assert.Equal(ExactCredits.Zero, mission.Budget!.Reserved);
    }

    [Fact]
    public async Task Streaming_UsageThenCancelled_RecordsTheUsageSeen()
    {
        using var cancellation = new CancellationTokenSource();
        var mission = new MissionCostTracker();
        var inner = new UsageFirstStreamingClient(Usage(300, 20));
        var client = Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("q", cancellationToken: cancellation.Token))
            {
                await cancellation.CancelAsync();
            }
        });

        var agent = mission.Snapshot().Agents["a"];
        Assert.Equal(new TokenUsage(300, 20), agent.Usage);
        Assert.Equal(Prices.GetExactCost("small", 300, 20), agent.ExactCost);
    }

    [Fact]
    public async Task Streaming_ToTheEnd_SumsUsageAndTimesToTheLastUpdate()
    {
        var time = new FakeTimeProvider();
        var inner = new ScriptedChatClient((_, _) => Usage(100, 50)) { StreamedTextUpdates = 3, BeforeAnswer = _ => { time.Advance(TimeSpan.FromMilliseconds(10)); return Task.CompletedTask; } };
        var mission = new MissionCostTracker();
        var client = Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; o.TimeProvider = time; });

        await foreach (var update in client.GetStreamingResponseAsync("q", cancellationToken: Ct))
        {
            _ = update;
        }

        var agent = mission.Snapshot().Agents["a"];
        Assert.Equal((150L, 30L), (agent.Tokens, agent.DurationMilliseconds));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnknownModel_AfterASuccessfulCall_ReturnsTheAnswer_RecordsTheTokens_CountsAndLogsIt(bool streaming)
    {
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10), modelId: "mystery");
        using var metrics = new AgentCosts.Metrics.AgentCostsMetrics(meterName: $"unpriced-{Guid.NewGuid():N}");
        using var unpriced = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(metrics.Unpriced);
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger();
        var mission = new MissionCostTracker(metrics);
        var client = Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; o.Logger = logger; });

        string text = streaming
            ? (await client.GetStreamingResponseAsync("q", cancellationToken: Ct).ToChatResponseAsync(Ct)).Text
            : (await client.GetResponseAsync("q", cancellationToken: Ct)).Text;

        Assert.NotEmpty(text);
        Assert.Equal((20L, ExactCredits.Zero), (mission.Snapshot().Agents["a"].Tokens, mission.Snapshot().Agents["a"].ExactCost));
        var measurement = Assert.Single(unpriced.GetMeasurementSnapshot());
        Assert.Equal(("a", "mystery"), ((string?)measurement.Tags["gen_ai.agent.name"], (string?)measurement.Tags["gen_ai.request.model"]));
        Assert.Contains("mystery", Assert.Single(logger.Collector.GetSnapshot()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownResponseModel_WithABudget_IsPricedAsTheModelItWasReservedFor_NeverLeftUncharged()
    {
        // A budget reserves only for a priced model (else the call is refused before it is made), so an answer from an
        // unpriced model is charged as the model it reserved for: never nothing.
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10), modelId: "mystery") { DefaultModelId = "small" };
        var mission = new MissionCostTracker(budget: new MissionBudget(10));
        var client = Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; });

        await client.GetResponseAsync("q", cancellationToken: Ct);

        var cost = Prices.GetExactCost("small", new TokenUsage(10, 10));
        Assert.Equal(cost, mission.Budget!.Spent);
        Assert.Equal(cost, mission.Snapshot().Agents["a"].ExactCost);
        Assert.Equal(ExactCredits.Zero, mission.Budget.Reserved);
    }

    [Fact]
    public async Task Reservation_TakesTheModelFromTheInnerClientsMetadata_AndRefusesOnlyWhenNothingNamesAPricedModel()
    {
        var named = new ScriptedChatClient((_, _) => Usage(10, 10), modelId: null) { DefaultModelId = "small" };
        var unnamed = new ScriptedChatClient((_, _) => Usage(10, 10), modelId: null);
        var withMetadata = new MissionCostTracker(budget: new MissionBudget(10));
        var withoutAnything = new MissionCostTracker(budget: new MissionBudget(10));

        await Pipeline(named, o => { o.Mission = withMetadata; o.AgentName = "a"; }).GetResponseAsync("q", cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<UnknownModelException>(() =>
            Pipeline(unnamed, o => { o.Mission = withoutAnything; o.AgentName = "a"; }).GetResponseAsync("q", cancellationToken: Ct));

        Assert.Equal(Prices.GetExactCost("small", new TokenUsage(10, 10)), withMetadata.Snapshot().Agents["a"].ExactCost);
        Assert.Contains("ChatClientMetadata", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, unnamed.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenTelemetry_TheInferenceSpanCarriesTheAgentAndTheCost_TheAgentSpanDoesNot(bool streaming)
    {
        string sourceName = $"test-{Guid.NewGuid():N}";
        var stopped = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var agents = new System.Diagnostics.ActivitySource(sourceName);
        var inner = new ScriptedChatClient((_, _) => Usage(1_000, 500));
        var mission = new MissionCostTracker(prices: Prices) { MissionId = "mission-0042" };
        var client = new ChatClientBuilder(inner).UseOpenTelemetry(sourceName: sourceName).UseAgentCosts(o => o.Mission = mission).Build();

        using (var agentSpan = agents.StartActivity("invoke_agent planner"))
        {
            agentSpan!.SetTag("gen_ai.operation.name", "invoke_agent");
            using var scope = AgentCostScope.Begin(mission, "planner");
            _ = streaming
                ? await client.GetStreamingResponseAsync("q", cancellationToken: Ct).ToChatResponseAsync(Ct)
                : await client.GetResponseAsync("q", cancellationToken: Ct);
        }

        var chat = Assert.Single(stopped, a => (string?)a.GetTagItem("gen_ai.operation.name") == "chat");
        var agent = Assert.Single(stopped, a => (string?)a.GetTagItem("gen_ai.operation.name") == "invoke_agent");
        Assert.Equal("planner", chat.GetTagItem("gen_ai.agent.name"));
        Assert.Equal(0.45, (double)chat.GetTagItem("gen_ai.usage.cost.amount")!, 9);
        Assert.Equal(("local", "mission-0042"), ((string?)chat.GetTagItem("gen_ai.usage.cost.source"), (string?)chat.GetTagItem("agentcosts.mission")));
        Assert.Null(agent.GetTagItem("gen_ai.usage.cost.amount"));
    }

    [Fact]
    public async Task Metrics_KeepTheirNames_AndCarryTheProviderAndModelWhereKnown()
    {
        using var metrics = new AgentCosts.Metrics.AgentCostsMetrics(meterName: $"tags-{Guid.NewGuid():N}");
        using var tokens = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(metrics.Tokens);
        using var credits = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<double>(metrics.Credits);
        var inner = new ScriptedChatClient((_, _) => Usage(1_000, 500), modelId: "small") { DefaultModelId = "small" };
        var mission = new MissionCostTracker(metrics);

        await Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; }).GetResponseAsync("q", cancellationToken: Ct);

        Assert.Equal("agent.tokens", metrics.Tokens.Name);
        Assert.All(tokens.GetMeasurementSnapshot(), m =>
            Assert.Equal(("a", "scripted", "small"), ((string?)m.Tags["gen_ai.agent.name"], (string?)m.Tags["gen_ai.provider.name"], (string?)m.Tags["gen_ai.request.model"])));
        Assert.Equal([1_000L, 500L], tokens.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal(0.45, Assert.Single(credits.GetMeasurementSnapshot()).Value, 9);
    }

    [Fact]
    public void Options_Invalid_RefusedWithEveryProblem()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10));
        var options = new AgentCostsChatClientOptions { DefaultMaxOutputTokens = -1, TimeProvider = null! };

        var error = Assert.Throws<ArgumentException>(() => new AgentCostsChatClient(inner, options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("DefaultMaxOutputTokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("TimeProvider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_ChangedAfterTheClientWasMade_DoNotReachIt()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10));
        var mission = new MissionCostTracker();
        var options = new AgentCostsChatClientOptions { Prices = Prices, Mission = mission, AgentName = "first" };
        using var client = new AgentCostsChatClient(inner, options);

        options.AgentName = "second";
        await client.GetResponseAsync("q", cancellationToken: Ct);

        Assert.Equal(["first"], mission.Snapshot().Agents.Keys);
    }

    [Fact]
    public async Task DatedPrices_ACallIsPricedAtItsStart_NotAtItsEnd()
    {
        var change = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(change.AddSeconds(-1));
        var prices = new PriceTable([new("m", new ModelPrice(1m, 1m)), new("m", new ModelPrice(2m, 2m) { EffectiveFrom = change })]);
        var inner = new ScriptedChatClient((_, _) => Usage(1_000, 0), modelId: "m")
        {
            BeforeAnswer = _ =>
            {
                time.Advance(TimeSpan.FromSeconds(2)); // the price changes while the model answers
                return Task.CompletedTask;
            },
        };
        var mission = new MissionCostTracker();
        var client = Pipeline(inner, o => { o.Prices = prices; o.Mission = mission; o.AgentName = "a"; o.TimeProvider = time; });

        await client.GetResponseAsync("started before the change", cancellationToken: Ct);
        await client.GetResponseAsync("started after it", cancellationToken: Ct);

        Assert.Equal(ExactCredits.FromCredits(3m), mission.Snapshot().Agents["a"].ExactCost);
    }

    [Fact]
    public async Task ResponseModelWithoutPrice_FallsBackToTheRequestedModel()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(1000, 500), modelId: "small-2026-01-27");
        var mission = new MissionCostTracker();

        await Pipeline(inner, o => { o.Mission = mission; o.AgentName = "a"; })
            .GetResponseAsync("q", new ChatOptions { ModelId = "small" }, Ct);

        Assert.Equal(ExactCredits.FromCredits(0.45m), mission.Snapshot().Agents["a"].ExactCost);
    }

    [Fact]
    public async Task NoPriceTable_IsRefusedBeforeTheCall()
    {
        var inner = new ScriptedChatClient((_, _) => Usage(10, 10));
        var client = new ChatClientBuilder(inner).UseAgentCosts(o => o.Mission = new MissionCostTracker()).Build();

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync("q", cancellationToken: Ct));

        Assert.Equal(0, inner.Calls);
    }

    [Fact]
    public async Task TrackersPriceTable_IsUsedWhenTheOptionsHaveNone()
    {
        var mission = new MissionCostTracker(prices: Prices);
        var client = new ChatClientBuilder(new ScriptedChatClient((_, _) => Usage(1000, 500))).UseAgentCosts(o => o.Mission = mission).Build();

        await client.GetResponseAsync("q", cancellationToken: Ct);

        Assert.Equal(ExactCredits.FromCredits(0.45m), mission.Snapshot().Total.ExactCost);
    }

    [Fact]
    public void UseAgentCosts_FromServices_TakesTheRegisteredMetricsAndIsFoundByGetService()
    {
        using var services = new ServiceCollection().AddMetrics().AddAgentCosts().BuildServiceProvider();
        var client = new ChatClientBuilder(new ScriptedChatClient((_, _) => null)).UseAgentCosts().Build(services);

        Assert.NotNull(client.GetService<AgentCostsChatClient>());
        Assert.NotNull(client.GetService<ScriptedChatClient>());
    }

    private static MeterListener Listen(Counter<long> counter, Action<long> onMeasurement)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument, counter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => onMeasurement(value));
        listener.Start();
        return listener;
    }

    /// <summary>Streams its usage first and then more text, so a cancellation after the usage leaves usage seen.</summary>
    private sealed class UsageFirstStreamingClient(UsageDetails usage) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new ChatResponseUpdate { Contents = [new UsageContent(usage)], ModelId = "small" };
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, "more");
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
