namespace AgentCosts;

/// <summary>
/// Times one step of one agent: created by <c>Start</c>, it adds the elapsed time to the agent when disposed.
/// </summary>
/// <remarks>
/// Tokens and credits added through the scope go to the agent at once, so nested and concurrent scopes of one agent
/// simply add up. A struct: starting and ending a scope allocates nothing. Dispose it exactly once.
/// </remarks>
public readonly struct TimingScope : IDisposable, IEquatable<TimingScope>
{
    private readonly AgentHandle? _agent;
    private readonly long _startTimestamp;

    internal TimingScope(AgentHandle agent, long startTimestamp)
    {
        _agent = agent;
        _startTimestamp = startTimestamp;
    }

    /// <summary>The agent being timed.</summary>
    public AgentHandle Agent => _agent ?? throw new InvalidOperationException("This scope was not started by an agent.");

    /// <summary>Adds tokens to the agent.</summary>
    /// <param name="tokens">Zero or more.</param>
    public void AddTokens(long tokens) => Agent.AddTokens(tokens);

    /// <summary>Adds an exact cost to the agent.</summary>
    /// <param name="cost">The exact amount (<c>ExactCredits.FromCredits(82)</c> for whole credits).</param>
    public void AddCost(ExactCredits cost) => Agent.AddCost(cost);

    /// <summary>Adds the time elapsed since the scope started to the agent.</summary>
    public void Dispose()
    {
        if (_agent is null)
        {
            return;
        }

        _agent.AddElapsedTicks(Math.Max(0, _agent.GetTimestamp() - _startTimestamp));
    }

    /// <inheritdoc />
    public bool Equals(TimingScope other) => ReferenceEquals(_agent, other._agent) && _startTimestamp == other._startTimestamp;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TimingScope other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_agent, _startTimestamp);

    /// <summary>Compares two scopes.</summary>
    /// <param name="left">A scope.</param>
    /// <param name="right">Another scope.</param>
    /// <returns>Whether they are the same scope.</returns>
    public static bool operator ==(TimingScope left, TimingScope right) => left.Equals(right);

    /// <summary>Compares two scopes.</summary>
    /// <param name="left">A scope.</param>
    /// <param name="right">Another scope.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(TimingScope left, TimingScope right) => !left.Equals(right);
}
