namespace AgentCosts.Extensions.AI;

/// <summary>
/// The mission and agent that model calls in the current async flow are charged to, so one shared chat client can serve
/// many agents: <c>using (AgentCostScope.Begin(mission, "seo-analyst")) { … }</c>.
/// </summary>
/// <remarks>
/// Scopes nest: disposing one restores the scope that was current when it began. The value flows with <see
/// cref="AsyncLocal{T}"/>, into awaited calls and tasks started inside the scope, and not out of them.
/// </remarks>
public sealed class AgentCostScope : IDisposable
{
    private static readonly AsyncLocal<AgentCostScope?> CurrentScope = new();
    private bool _disposed;

    private AgentHandle? _agent;

    private AgentCostScope(MissionCostTracker mission, string? agentName, AgentCostScope? outer)
    {
        Mission = mission;
        AgentName = agentName;
        Outer = outer;
    }

    /// <summary>The named agent's handle in the mission, looked up on the first call in the scope (handles are stable).</summary>
    internal AgentHandle Agent => _agent ??= Mission.Agent(AgentName ?? throw new InvalidOperationException("This scope names no agent."));

    /// <summary>The scope of the current async flow, or <see langword="null"/> outside any scope.</summary>
    public static AgentCostScope? Current => CurrentScope.Value;

    /// <summary>The mission that calls in this scope are charged to.</summary>
    public MissionCostTracker Mission { get; }

    /// <summary>
    /// The agent that calls in this scope are attributed to; <see langword="null"/> for a mission-only scope, whose calls
    /// take the agent from <see cref="AgentCostsChatClientOptions.AgentNameResolver"/> (the Agent Framework's run).
    /// </summary>
    public string? AgentName { get; }

    /// <summary>The scope this one is nested in, if any.</summary>
    public AgentCostScope? Outer { get; }

    /// <summary>Begins a scope: until it is disposed, model calls in this async flow are charged to this mission and agent.</summary>
    /// <param name="mission">The mission's tracker.</param>
    /// <param name="agentName">The agent's name, as it appears in <c>agentCosts</c>.</param>
    /// <returns>The scope; dispose it (with <see langword="using"/>) to restore the outer one.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mission"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="agentName"/> is null or empty.</exception>
    public static AgentCostScope Begin(MissionCostTracker mission, string agentName)
    {
        ArgumentNullException.ThrowIfNull(mission);
        ArgumentException.ThrowIfNullOrEmpty(agentName);
        var outer = CurrentScope.Value;
        if (outer is { AgentName: { } parent } && ReferenceEquals(outer.Mission, mission))
        {
            // An agent begun inside another agent's scope is its sub-agent: the roll-up shows it under its parent.
            mission.SetParent(agentName, parent);
        }

        var scope = new AgentCostScope(mission, agentName, outer);
        CurrentScope.Value = scope;
        return scope;
    }

    /// <summary>Begins a mission-only scope.</summary>
    /// <param name="mission">The mission's tracker.</param>
    /// <returns>The scope; dispose it to restore the outer one.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="mission"/> is null.</exception>
    /// <remarks>
    /// Calls are charged to this mission and attributed to the agent that <see
    /// cref="AgentCostsChatClientOptions.AgentNameResolver"/> names (for example the Agent Framework agent that is
    /// running), or else to <see cref="AgentCostsChatClient.UnattributedAgentName"/>.
    /// </remarks>
    public static AgentCostScope Begin(MissionCostTracker mission)
    {
        ArgumentNullException.ThrowIfNull(mission);
        var outer = CurrentScope.Value;
        var scope = new AgentCostScope(mission, null, outer);
        CurrentScope.Value = scope;
        return scope;
    }

    /// <summary>Begins a scope for another agent of the current scope's mission (a sub-agent).</summary>
    /// <param name="agentName">The agent's name.</param>
    /// <returns>The scope; dispose it to restore the outer one.</returns>
    /// <exception cref="InvalidOperationException">There is no current scope to take the mission from.</exception>
    public static AgentCostScope Begin(string agentName) => Begin(
        CurrentScope.Value?.Mission ?? throw new InvalidOperationException("There is no current AgentCostScope to take the mission from; begin one with the "
            + "mission first."),
        agentName);

    /// <summary>Ends the scope: the scope it was nested in becomes current again. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ReferenceEquals(CurrentScope.Value, this))
        {
            CurrentScope.Value = Outer;
        }
    }

    /// <summary>Describes the scope.</summary>
    /// <returns>The agent's name.</returns>
    public override string ToString() => $"AgentCostScope({AgentName ?? "any agent"})";
}
