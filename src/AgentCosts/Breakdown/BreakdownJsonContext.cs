using System.Text.Json.Serialization;

namespace AgentCosts.Breakdown;

/// <summary>Source-generated (reflection-free, AOT-safe) serialization of the breakdown document.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BreakdownDocument))]
internal sealed partial class BreakdownJsonContext : JsonSerializerContext;

/// <summary>The breakdown's JSON shape.</summary>
internal sealed record BreakdownDocument(int Missions, CostTotals Total, IReadOnlyList<AgentLine> Agents);

/// <summary>Totals in the breakdown's JSON.</summary>
internal sealed record CostTotals(long Tokens, long Cost, long Duration);

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
    double CostShare);
