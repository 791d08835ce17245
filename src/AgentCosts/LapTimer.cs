namespace AgentCosts;

/// <summary>
/// Times an agent's consecutive steps with one clock read per step: each <see cref="Lap(long, ExactCredits)"/> ends the
/// current step and starts the next, adding the time since the previous lap (or since the timer started).
/// </summary>
/// <example>
/// <code>
/// var laps = mission.Agent("seo-analyst").StartLaps();
/// foreach (var page in pages)
/// {
///     var reply = await model.CompleteAsync(page);
///     laps.Lap(reply.Usage.TotalTokens, prices.GetExactCost(model.Id, reply.Usage.InputTokens, reply.Usage.OutputTokens));
/// }
/// </code>
/// </example>
/// <remarks>
/// For an agent's sequential loop this halves the clock reads of a <see cref="TimingScope"/> per step; time between
/// laps is always counted. One agent loop uses it at a time: it is not for concurrent use.
/// </remarks>
public sealed class LapTimer
{
    private long _lastTimestamp;

    internal LapTimer(AgentHandle agent, long startTimestamp)
    {
        Agent = agent;
        _lastTimestamp = startTimestamp;
    }

    /// <summary>The agent being timed.</summary>
    public AgentHandle Agent { get; }

    /// <summary>Ends the current step: adds its tokens and the time since the previous lap to the agent.</summary>
    /// <param name="tokens">Tokens the step used, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The value is negative or a total would overflow; nothing is recorded and the current step goes on.
    /// </exception>
    public void Lap(long tokens) => AddLap(tokens, 0);

    /// <summary>Ends the current step: adds the time since the previous lap to the agent.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A total would overflow; nothing is recorded and the current step goes on.</exception>
    public void Lap() => AddLap(0, 0);

    /// <summary>Ends the current step: adds its tokens, exact cost and the time since the previous lap to the agent.</summary>
    /// <param name="tokens">Tokens the step used, zero or more.</param>
    /// <param name="cost">The step's exact cost, for example from <see cref="PriceTable.GetExactCost(string, long, long)"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A value is negative or a total would overflow; nothing is recorded and the current step goes on.
    /// </exception>
    public void Lap(long tokens, ExactCredits cost) => AddLap(tokens, cost.ToInt64Nanocredits(nameof(cost)));

    private void AddLap(long tokens, long costNanocredits)
    {
        long now = Agent.GetTimestamp();
        Agent.AddStep(tokens, costNanocredits, Agent.TicksToNanoseconds(Math.Max(0, now - _lastTimestamp)));
        _lastTimestamp = now;
    }
}
