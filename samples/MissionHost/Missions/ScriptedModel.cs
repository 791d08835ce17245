using System.Runtime.CompilerServices;
using AgentCosts.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace MissionHost.Missions;

/// <summary>
/// A deterministic local chat client that stands in for a model: the same request gets the same answer, usage and
/// latency every run (all derived from a stable hash of the request), so missions can be compared. It bills input as a
/// provider does, from the request it receives: the tokens of its whole text (instructions, history, the page) counted
/// with the <c>o200k_base</c> tokenizer, plus the chat format's framing. Output is 100–1,500 tokens a call (capped at
/// the request's <c>MaxOutputTokens</c>), some input comes from the prompt cache, and it answers after 5–40 ms.
/// </summary>
internal sealed class ScriptedModel : IChatClient
{
    private static readonly Tokenizer Tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

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
        int input = BilledInputTokens(messages, options);
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

    /// <summary>What a provider bills as input: every piece of the request's text, tokenized, and three tokens a message plus three.</summary>
    public static int BilledInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options) =>
        (3 * (1 + messages.Count())) + ChatRequestText.Pieces(messages, options).Sum(piece => Tokenizer.CountTokens(piece));

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
