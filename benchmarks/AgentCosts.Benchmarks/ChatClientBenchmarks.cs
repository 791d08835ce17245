using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using AI = Microsoft.Extensions.AI;

namespace AgentCosts.Benchmarks;

/// <summary>
/// One model call through a Microsoft.Extensions.AI pipeline with <c>UseAgentCosts</c> against the same pipeline
/// without it. The in-memory model parses a ~4 KiB chat completion and serialises the next request (the realistic step
/// work, ≈ 15–20 µs) and answers with usage; streamed, it sends three text updates and a usage update. The tracked
/// pipeline prices each call exactly and records it for its agent (fixed in the options here, so the measurement does
/// not depend on where the benchmark harness runs its set-up; an ambient scope is one more AsyncLocal read).
/// </summary>
[MemoryDiagnoser]
public class ChatClientBenchmarks
{
    private static readonly List<AI.ChatMessage> Request = [new(ChatRole.User, "Audit the landing page")];
    private static readonly ChatOptions Options = new() { ModelId = "gpt-4o-mini", MaxOutputTokens = 1000 };
    private IChatClient _plain = null!;
    private IChatClient _tracked = null!;

    /// <summary>
    /// Whether the model does the realistic work. Without it the difference between the rows is the middleware's own cost
    /// per call, in nanoseconds, free of the work's noise; with it the ratio is what a host sees.
    /// </summary>
    [Params(true, false)]
    public bool ModelWork { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var prices = new PriceTable(new Dictionary<string, ModelPrice> { ["gpt-4o-mini"] = new(0.15m, 0.6m, 0.075m) });
        var model = new InMemoryModel(ModelWork);
        _plain = new ChatClientBuilder(model).Build();
        var mission = new MissionCostTracker();
        _tracked = new ChatClientBuilder(model).UseAgentCosts(o => { o.Prices = prices; o.Mission = mission; o.AgentName = "seo-analyst"; }).Build();
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> Call() => _plain.GetResponseAsync(Request, Options);

    [Benchmark]
    public Task<ChatResponse> CallWithAgentCosts() => _tracked.GetResponseAsync(Request, Options);

    [Benchmark]
    public Task<int> Streamed() => Drain(_plain);

    [Benchmark]
    public Task<int> StreamedWithAgentCosts() => Drain(_tracked);

    private static async Task<int> Drain(IChatClient client)
    {
        int updates = 0;
        await foreach (var update in client.GetStreamingResponseAsync(Request, Options))
        {
            updates += update.Contents.Count;
        }

        return updates;
    }

    /// <summary>A model that answers at once, after the realistic step's work.</summary>
    private sealed class InMemoryModel(bool work) : IChatClient
    {
        private static readonly UsageDetails Usage = new() { InputTokenCount = 1180, OutputTokenCount = 640, TotalTokenCount = 1820, CachedInputTokenCount = 400 };
        private static readonly string[] Ids = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"];
        private int _seed;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            long result = work ? StepWork.HandleReply(++_seed) : ++_seed;
            return Task.FromResult(new ChatResponse(new AI.ChatMessage(ChatRole.Assistant, "ok")) { ModelId = "gpt-4o-mini", Usage = Usage, ResponseId = Ids[result & 7] });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<AI.ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            long result = work ? StepWork.HandleReply(++_seed) : ++_seed;
            for (int i = 0; i < 3; i++)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, "part") { ModelId = "gpt-4o-mini" };
            }

            yield return new ChatResponseUpdate { Contents = [new UsageContent(Usage)], ModelId = "gpt-4o-mini", ResponseId = Ids[result & 7] };
            await Task.CompletedTask.ConfigureAwait(false);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
