using AgentCosts.Extensions.AI;
using AgentCosts.Tokenizers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace AgentCosts.Benchmarks;

/// <summary>
/// What a budget's input estimate costs per call, on a request of instructions, a 4 KiB page and a short history: the
/// old characters ÷ 4 (the floor), the calibrated default (characters × a learned ratio) and the tiktoken count.
/// </summary>
[MemoryDiagnoser]
public class InputTokenEstimatorBenchmarks
{
    private readonly CalibratedInputTokenEstimator _calibrated = new();
    private readonly TiktokenInputTokenEstimator _tiktoken = new();
    private List<Microsoft.Extensions.AI.ChatMessage> _messages = null!;
    private ChatOptions _options = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        string page = string.Join(' ', Enumerable.Range(0, 700).Select(_ => random.Next(2) == 0 ? "running shoes" : "<a href=\"/p/42\">trail</a>"));
        _messages =
        [
            new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "Audit this page:\n" + page[..4096]),
            new Microsoft.Extensions.AI.ChatMessage(ChatRole.Assistant, "{\"findings\": 4, \"first\": \"the title is too long\"}"),
            new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "Now the meta description."),
        ];
        _options = new ChatOptions { Instructions = "You are an SEO analyst. Answer in JSON.", ModelId = "gpt-4o" };
        _calibrated.Observe("gpt-4o", 1000, 1100);
    }

    [Benchmark(Baseline = true)]
    public long CharactersOverFour() => (ChatRequestText.CountCharacters(_messages, _options) + 3) / 4;

    [Benchmark]
    public long Calibrated() => _calibrated.EstimateInputTokens(_messages, _options, "gpt-4o");

    [Benchmark]
    public long Tiktoken() => _tiktoken.EstimateInputTokens(_messages, _options, "gpt-4o");
}
