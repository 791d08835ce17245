using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentCosts.Benchmarks;

/// <summary>What one agent step does besides tracking. Identical in the tracked and untracked runs.</summary>
public enum StepKind
{
    /// <summary>
    /// What an agent does with every model reply: deserialise a ~4 KiB chat completion with System.Text.Json (source
    /// generated), append the reply to the conversation and serialise the next request.
    /// </summary>
    Realistic,

    /// <summary>About one microsecond of CPU work: the hostile case for tracking overhead.</summary>
    OneMicrosecond,
}

/// <summary>The work of one step, returning a value that is consumed so nothing is optimised away.</summary>
public static class StepWork
{
    /// <summary>Iterations of the mixing loop that take about 1 µs on the reference machine (see docs/benchmarks.md).</summary>
    public const int OneMicrosecondIterations = 760;

    private static readonly byte[] ChatCompletionJson = BuildChatCompletion();
    private static readonly ChatMessage SystemPrompt = new("system", "You are an SEO analyst. Answer with concrete, prioritised recommendations.");

    // Never inlined: every benchmark variant calls this one compiled method, so the step's machine code (and its loop
    // alignment) is the same in all of them and only the tracking differs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Run(StepKind kind, int seed) => kind == StepKind.Realistic ? HandleReply(seed) : Spin(seed);

    /// <summary>Deserialises the reply, reads the usage, and serialises the next request with the reply appended.</summary>
    public static long HandleReply(int seed)
    {
        var completion = JsonSerializer.Deserialize(ChatCompletionJson, StepJsonContext.Default.ChatCompletion)!;
        var reply = completion.Choices[0].Message;
        var request = new ChatRequest(completion.Model, [SystemPrompt, new ChatMessage("user", "Audit the landing page, pass " + seed), reply], 0.2);
        byte[] next = JsonSerializer.SerializeToUtf8Bytes(request, StepJsonContext.Default.ChatRequest);
        return completion.Usage.TotalTokens + next.Length;
    }

    /// <summary>A dependent chain of multiply-adds: about 1 µs, not vectorisable, not foldable.</summary>
    public static long Spin(int seed)
    {
        ulong x = (ulong)seed | 1;
        for (int i = 0; i < OneMicrosecondIterations; i++)
        {
            x = (x * 6364136223846793005UL) + 1442695040888963407UL;
            x ^= x >> 29;
        }

        return (long)(x & 0xFFFF);
    }

    private static byte[] BuildChatCompletion()
    {
        var content = new StringBuilder();
        for (int i = 0; i < 24; i++)
        {
            content.Append($"{i + 1}. The <title> should lead with \"running shoes\" and stay under 60 characters — today it's 74.\n");
            content.Append("   Meta description: rewrite to include the price range (€80–€140) and a call to action.\n");
        }

        var completion = new ChatCompletion(
            "chatcmpl-9x8y7z",
            "chat.completion",
            1769502452,
            "gpt-4o-mini",
            [new ChatChoice(0, new ChatMessage("assistant", content.ToString()), "stop")],
            new ChatUsage(1180, 640, 1820),
            "fp_0123456789");
        return JsonSerializer.SerializeToUtf8Bytes(completion, StepJsonContext.Default.ChatCompletion);
    }
}

public sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, ChatUsage Usage, string? SystemFingerprint);

public sealed record ChatChoice(int Index, ChatMessage Message, string FinishReason);

public sealed record ChatMessage(string Role, string Content);

public sealed record ChatUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record ChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, double Temperature);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatRequest))]
internal sealed partial class StepJsonContext : JsonSerializerContext;
