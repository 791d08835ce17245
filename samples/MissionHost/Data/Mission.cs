namespace MissionHost.Data;

/// <summary>A finished mission: its total <see cref="Cost"/> in credits and, since Phase 9, the per-agent <see cref="AgentCosts"/> JSON.</summary>
internal sealed class Mission
{
    public long Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Credits the mission cost.</summary>
    public long Cost { get; set; }

    /// <summary><c>{ "agentName": { "tokens", "cost", "duration" } }</c>; null for missions that predate Phase 9.</summary>
    public string? AgentCosts { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset CompletedAt { get; set; }
}
