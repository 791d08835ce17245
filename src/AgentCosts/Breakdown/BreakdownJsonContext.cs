using System.Text.Json.Serialization;

namespace AgentCosts;

/// <summary>Source-generated (reflection-free, AOT-safe) serialization of the breakdown document.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BreakdownDocument))]
internal sealed partial class BreakdownJsonContext : JsonSerializerContext;

/// <summary>The breakdown's JSON shape.</summary>
internal sealed record BreakdownDocument(
    int Missions,
    CostTotals Total,
    IReadOnlyList<AgentLine> Agents,
    IReadOnlyDictionary<string, ModelLine>? Models,
    IReadOnlyDictionary<string, string>? Parents = null);

/// <summary>Totals in the breakdown's JSON.</summary>
internal sealed record CostTotals(long Tokens, long Cost, long Duration, decimal ExactCost);

/// <summary>One agent in the breakdown's JSON.</summary>
internal sealed record AgentLine(
    string Agent,
    long Tokens,
    long Cost,
    long Duration,
    int Missions,
    double AverageTokens,
    double AverageCost,
    double AverageDuration,
    double CostShare,
    decimal ExactCost,
    UsageLine? Usage);

/// <summary>The token split in the breakdown's JSON, when it was recorded.</summary>
internal sealed record UsageLine(long Input, long Output, long CachedInput, long Reasoning);

/// <summary>One model in the breakdown's JSON.</summary>
internal sealed record ModelLine(long Calls, long Tokens, decimal ExactCost, UsageLine Usage);
