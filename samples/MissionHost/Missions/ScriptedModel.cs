using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace MissionHost.Missions;

/// <summary>
/// A deterministic local chat client that stands in for a model: the same request gets the same answer, usage and
/// latency every run (all derived from a stable hash of the request), so missions can be compared. Usage is in the
/// ranges the seed's agents report: 400–4,000 input tokens and 100–1,500 output tokens a call (capped at the request's
/// <c>MaxOutputTokens</c>), some input from the prompt cache, answered after 5–40 ms.
/// </summary>
internal sealed class ScriptedModel : IChatClient
{
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (random, usage) = Script(messages, options);
        await Task.Delay(random.Next(5, 40), cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer(random)))
        {
            ModelId = options?.ModelId,
            Usage = usage,
            FinishReason = ChatFinishReason.Stop,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (random, usage) = Script(messages, options);
        foreach (string word in Answer(random).Split(' '))
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ") { ModelId = options?.ModelId };
        }

        yield return new ChatResponseUpdate { Contents = [new UsageContent(usage)], ModelId = options?.ModelId };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private static (Random Random, UsageDetails Usage) Script(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var random = new Random(StableHash(messages));
        int input = random.Next(400, 4000);
        int output = Math.Min(random.Next(100, 1500), options?.MaxOutputTokens ?? int.MaxValue);
        int cached = random.Next(0, 4) == 0 ? input / 2 : 0;

        // Some calls write to the prompt cache, reported as Anthropic's adapter reports it.
        int cacheWrite = random.Next(0, 4) == 1 ? input / 4 : 0;
        return (random, new UsageDetails
        {
            InputTokenCount = input,
            OutputTokenCount = output,
            TotalTokenCount = input + output,
            CachedInputTokenCount = cached,
            AdditionalCounts = cacheWrite > 0 ? new() { [AgentCosts.Extensions.AI.AgentCostsChatClientOptions.DefaultCacheWriteInputTokenKey] = cacheWrite } : null,
        });
    }

    private static string Answer(Random random) =>
        $"Done: {random.Next(3, 12)} recommendations, the first about the page title and the last about the meta description.";

    /// <summary>FNV-1a over the request's text: stable across runs and processes, unlike <c>string.GetHashCode</c>.</summary>
    private static int StableHash(IEnumerable<ChatMessage> messages)
    {
        uint hash = 2166136261;
        foreach (var message in messages)
        {
            foreach (char c in message.Text)
            {
                hash = (hash ^ c) * 16777619;
            }
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
