using AgentCosts;

namespace MissionHost.Data;

/// <summary>A breakdown of agent costs over the missions of a time range, and the missions it left out.</summary>
/// <param name="Breakdown">Per agent: missions, tokens, credits, duration, share.</param>
/// <param name="MalformedMissionIds">Missions whose <c>agentCosts</c> is not the agentCosts shape (left out).</param>
/// <param name="MissionsWithoutAgentCosts">Missions from before Phase 9, whose <c>agentCosts</c> is null (left out).</param>
internal sealed record AgentCostBreakdownResult(CostBreakdown Breakdown, IReadOnlyList<long> MalformedMissionIds, long MissionsWithoutAgentCosts);
