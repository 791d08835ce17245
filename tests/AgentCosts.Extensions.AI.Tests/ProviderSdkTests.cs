using System.ClientModel;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AgentCosts.Extensions.AI.Tests;

/// <summary>
/// The official OpenAI and Anthropic SDKs, through their <c>IChatClient</c> adapters, against a local server replaying
/// response bodies shaped as the providers document them: usage reaches the middleware as users wire it. What each
/// adapter fills: OpenAI (Microsoft.Extensions.AI.OpenAI) sets InputTokenCount (prompt_tokens), CachedInputTokenCount
/// (prompt_tokens_details.cached_tokens), ReasoningTokenCount (completion_tokens_details.reasoning_tokens) and audio and
/// prediction counts in AdditionalCounts; Anthropic sets InputTokenCount to input + cache reads + cache writes,
/// CachedInputTokenCount (cache_read_input_tokens) and AdditionalCounts["CacheCreationInputTokens"]
/// (cache_creation_input_tokens).
/// </summary>
public sealed class ProviderSdkTests
{
    private static readonly PriceTable Prices = new(new Dictionary<string, ModelPrice>
    {
        // OpenAI's gpt-4o and Anthropic's Claude Sonnet 4, at 1,000 credits per US dollar.
        ["gpt-4o"] = new(2.5m, 10m, cachedInputCreditsPer1000Tokens: 1.25m),
        ["claude-sonnet-4-20250514"] = new(3m, 15m, cachedInputCreditsPer1000Tokens: 0.3m) { CacheWriteCreditsPer1000Tokens = 3.75m },
    });

    private const string OpenAiCompletion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1733000000,"model":"gpt-4o-2024-08-06",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                  "prompt_tokens_details":{"cached_tokens":1000,"audio_tokens":0},
                  "completion_tokens_details":{"reasoning_tokens":100,"audio_tokens":0}}}
        """;

    private const string OpenAiStream = """
        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733000000,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1000},"completion_tokens_details":{"reasoning_tokens":100}}}

        data: [DONE]


        """;

    private const string AnthropicMessage = """
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
         "content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":100,"output_tokens":50,"cache_creation_input_tokens":2000,"cache_read_input_tokens":3000}}
        """;

    private const string AnthropicStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":100,"output_tokens":1,"cache_creation_input_tokens":2000,"cache_read_input_tokens":3000}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":50}}

        event: message_stop
        data: {"type":"message_stop"}


        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAiSdk_CachedAndReasoningTokens_ReachTheMiddleware_AndThePriceIsExact(bool streaming)
    {
        await using var server = streaming ? new ReplayServer("text/event-stream", OpenAiStream) : new ReplayServer("application/json", OpenAiCompletion);
        IChatClient sdk = new OpenAI.Chat.ChatClient("gpt-4o", new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") })
            .AsIChatClient();
        var mission = new MissionCostTracker();

        string text = await Ask(sdk, mission, "researcher", streaming);

        Assert.Equal("Hello", text);
        var agent = mission.Snapshot().Agents["researcher"];
        Assert.Equal(new TokenUsage(1_200, 300, cachedInputTokens: 1_000, reasoningTokens: 100), agent.Usage);
        // 200 × 2.5 + 1,000 × 1.25 + 300 × 10 per 1,000 tokens; the dated response model falls back to gpt-4o.
        Assert.Equal(ExactCredits.FromCredits(4.75m), agent.ExactCost);
        Assert.Contains("/v1/chat/completions", server.Requests);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnthropicSdk_CacheReadsAndWrites_ReachTheMiddleware_AndThePriceIsExact(bool streaming)
    {
        await using var server = streaming ? new ReplayServer("text/event-stream", AnthropicStream) : new ReplayServer("application/json", AnthropicMessage);
        IChatClient sdk = new AnthropicClient { ApiKey = "test-key", BaseUrl = server.BaseAddress.ToString().TrimEnd('/') }.AsIChatClient("claude-sonnet-4-20250514");
        var mission = new MissionCostTracker();

        string text = await Ask(sdk, mission, "writer", streaming);

        Assert.Equal("Hi", text);
        var agent = mission.Snapshot().Agents["writer"];
        Assert.Equal(new TokenUsage(5_100, 50, cachedInputTokens: 3_000, cacheWriteInputTokens: 2_000), agent.Usage);
        // 100 × 3 + 3,000 × 0.3 + 2,000 × 3.75 + 50 × 15 per 1,000 tokens.
        Assert.Equal(ExactCredits.FromCredits(9.45m), agent.ExactCost);
        Assert.Contains("/v1/messages", server.Requests);
    }

    private static async Task<string> Ask(IChatClient sdk, MissionCostTracker mission, string agent, bool streaming)
    {
        var client = new ChatClientBuilder(sdk).UseAgentCosts(o => (o.Prices, o.Mission, o.AgentName) = (Prices, mission, agent)).Build();
        return streaming
            ? (await client.GetStreamingResponseAsync("q", cancellationToken: Ct).ToChatResponseAsync(Ct)).Text
            : (await client.GetResponseAsync("q", cancellationToken: Ct)).Text;
    }
}
