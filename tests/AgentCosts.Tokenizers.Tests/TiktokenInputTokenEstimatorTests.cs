using AgentCosts.Extensions.AI;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace AgentCosts.Tokenizers.Tests;

public sealed class TiktokenInputTokenEstimatorTests
{
    private static readonly string Page = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"Section {i}: the page's heading, its {i % 7} links and a <meta name=\"description\"> tag."));

    /// <summary>Fixed requests of a few KiB: prose, HTML, JSON, code and another language.</summary>
    public static TheoryData<string> Requests() => ["prose", "html", "json", "code", "german"];

    private static List<ChatMessage> Request(string kind) =>
    [
        new(ChatRole.System, "You are an SEO analyst. Answer in JSON with the keys findings and fixes."),
        new(ChatRole.User, kind switch
        {
            "html" => "<html><head><title>Shop</title></head><body>" + string.Concat(Enumerable.Repeat("<div class=\"item\"><a href=\"/p/1\">Shoes</a></div>", 60)) + "</body></html>",
            "json" => "[" + string.Join(',', Enumerable.Range(0, 120).Select(i => $"{{\"id\":{i},\"url\":\"/p/{i}\",\"title\":\"Item {i}\",\"price\":{i * 3.5}}}")) + "]",
            "code" => string.Concat(Enumerable.Repeat("public static int Add(int a, int b) => a + b; // adds two numbers\n", 50)),
            "german" => string.Concat(Enumerable.Repeat("Die Überschrift der Seite beschreibt das Angebot nicht genau genug für Suchmaschinen. ", 80)),
            _ => Page,
        }),
        new(ChatRole.Assistant, "{\"findings\": 4}"),
        new(ChatRole.User, "Now suggest a better meta description."),
    ];

    [Theory]
    [MemberData(nameof(Requests))]
    public void Estimate_OpenAiFamilyModel_IsWithinTwoPercentOfTheTokenizersOwnCount(string kind)
    {
        var messages = Request(kind);
        var options = new ChatOptions { Instructions = "Be brief." };
        int own = TiktokenTokenizer.CreateForModel("gpt-4o").CountTokens(string.Concat(ChatRequestText.Pieces(messages, options)));

        long estimate = new TiktokenInputTokenEstimator().EstimateInputTokens(messages, options, "gpt-4o-2024-08-06");

        Assert.InRange(estimate, own * 0.98, own * 1.02);
    }

    [Theory]
    [InlineData("gpt-4o", TiktokenInputTokenEstimator.O200kBase)]
    [InlineData("openai/gpt-4.1-mini", TiktokenInputTokenEstimator.O200kBase)]
    [InlineData("o3-mini", TiktokenInputTokenEstimator.O200kBase)]
    [InlineData("gpt-4-turbo", TiktokenInputTokenEstimator.Cl100kBase)]
    [InlineData("gpt-3.5-turbo", TiktokenInputTokenEstimator.Cl100kBase)]
    [InlineData("claude-sonnet-4", null)]
    [InlineData("my-deployment", TiktokenInputTokenEstimator.Cl100kBase)]
    public void GetEncoding_ByFamilyOrMapping(string model, string? encoding)
    {
        var estimator = new TiktokenInputTokenEstimator(new Dictionary<string, string> { ["my-deployment"] = TiktokenInputTokenEstimator.Cl100kBase });

        Assert.Equal(encoding, estimator.GetEncoding(model));
    }

    [Fact]
    public void AnUnknownFamily_FallsBackToTheCalibratedRatioAndLearnsIt()
    {
        var estimator = new TiktokenInputTokenEstimator();
        var messages = Request("prose");
        long characters = ChatRequestText.CountCharacters(messages, null);

        long first = estimator.EstimateInputTokens(messages, null, "claude-sonnet-4");
        for (int i = 0; i < 30; i++)
        {
            estimator.Observe("claude-sonnet-4", estimator.EstimateInputTokens(messages, null, "claude-sonnet-4"), characters / 3);
        }

        Assert.Equal((long)Math.Ceiling(characters * 0.25), first);
        Assert.InRange(estimator.EstimateInputTokens(messages, null, "claude-sonnet-4"), characters / 3 * 0.98, characters / 3 * 1.02);
    }

    [Fact]
    public void Constructor_AnUnknownEncoding_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new TiktokenInputTokenEstimator(new Dictionary<string, string> { ["m"] = "p50k_base" }));

        Assert.Contains("p50k_base", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThroughTheMiddleware_AMissionOnATokenizerBilledModel_EndsWithinOneCallOfItsLimit()
    {
        var tokenizer = TiktokenTokenizer.CreateForModel("gpt-4o");
        var model = new BillingModel(tokenizer);
        var prices = new PriceTable(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new(2.5m, 10m) });
        var budget = new MissionBudget(ExactCredits.FromCredits(1m));
        var mission = new MissionCostTracker(budget: budget, prices: prices);
        var client = new ChatClientBuilder(model)
            .UseAgentCosts(o => { o.InputTokenEstimator = new TiktokenInputTokenEstimator(); o.ModelId = "gpt-4o"; })
            .Build();
        int refused = 0;

        using (AgentCostScope.Begin(mission, "analyst"))
        {
            for (int call = 0; call < 200 && refused == 0; call++)
            {
                try
                {
                    await client.GetResponseAsync(Request(call % 2 == 0 ? "prose" : "json"), new ChatOptions { MaxOutputTokens = 50 }, TestContext.Current.CancellationToken);
                }
                catch (BudgetExceededException)
                {
                    refused++;
                }
            }
        }

        Assert.Equal(1, refused);
        Assert.True(budget.Spent <= budget.Limit, $"spent {budget.Spent} of {budget.Limit}");
        Assert.Equal(ExactCredits.Zero, budget.Overshoot);
    }

    /// <summary>A provider that bills input exactly as its tokenizer counts the request (plus the chat format's framing), and 50 output tokens.</summary>
    private sealed class BillingModel(Tokenizer tokenizer) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            long input = 3 * (1L + messages.Count()) + ChatRequestText.Pieces(messages, options).Sum(p => (long)tokenizer.CountTokens(p));
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                ModelId = "gpt-4o",
                Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = 50 },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
