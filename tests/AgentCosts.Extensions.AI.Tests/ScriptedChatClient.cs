using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI.Tests;

/// <summary>A model stand-in: answers every call with scripted usage, streaming it as a few text updates and a usage update.</summary>
internal sealed class ScriptedChatClient(Func<IEnumerable<ChatMessage>, ChatOptions?, UsageDetails?> usage, string? modelId = "small") : IChatClient
{
    private long _calls;

    public long Calls => Interlocked.Read(ref _calls);

    public int StreamedTextUpdates { get; init; } = 3;

    public Func<CancellationToken, Task>? BeforeAnswer { get; init; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        if (BeforeAnswer is { } before)
        {
            await before(cancellationToken);
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, "done")) { ModelId = modelId, Usage = usage(messages, options) };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        for (int i = 0; i < StreamedTextUpdates; i++)
        {
            if (BeforeAnswer is { } before)
            {
                await before(cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, $"part {i} ") { ModelId = modelId };
        }

        if (usage(messages, options) is { } details)
        {
            yield return new ChatResponseUpdate { Contents = [new UsageContent(details)], ModelId = modelId };
        }
    }

    /// <summary>What the client says it calls by default (<see cref="ChatClientMetadata.DefaultModelId"/>), if anything.</summary>
    public string? DefaultModelId { get; init; }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) && DefaultModelId is not null ? new ChatClientMetadata("scripted", defaultModelId: DefaultModelId)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
