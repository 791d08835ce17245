using System.Globalization;

namespace AgentCosts;

/// <summary>What one agent (or a whole mission) spent: tokens, credits and milliseconds, all non-negative.</summary>
/// <remarks>
/// <see cref="ExactCost"/> is the exact amount; <see cref="Cost"/> is whole credits, rounded once for a mission and
/// apportioned to its agents so that the agents' costs add up to the mission's.
/// </remarks>
public readonly record struct AgentCost
{
    /// <summary>Creates a cost of whole credits.</summary>
    /// <param name="tokens">Tokens used, zero or more.</param>
    /// <param name="cost">Credits charged (integer credits), zero or more.</param>
    /// <param name="durationMilliseconds">Time spent in milliseconds, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative.</exception>
    public AgentCost(long tokens, long cost, long durationMilliseconds)
        : this(tokens, ExactCredits.FromCredits(cost), cost, durationMilliseconds, TokenUsage.Zero)
    {
    }

    /// <summary>Creates a cost from an exact amount, rounded half up to whole credits for <see cref="Cost"/>.</summary>
    /// <param name="tokens">Tokens used, zero or more.</param>
    /// <param name="exactCost">The exact amount charged.</param>
    /// <param name="durationMilliseconds">Time spent in milliseconds, zero or more.</param>
    /// <param name="usage">The split of the tokens, when known.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative.</exception>
    public AgentCost(long tokens, ExactCredits exactCost, long durationMilliseconds, TokenUsage usage = default)
        : this(tokens, exactCost, exactCost.Round(CreditRounding.HalfUp), durationMilliseconds, usage)
    {
    }

    internal AgentCost(long tokens, ExactCredits exactCost, long cost, long durationMilliseconds, TokenUsage usage)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        ArgumentOutOfRangeException.ThrowIfNegative(durationMilliseconds);
        Tokens = tokens;
        ExactCost = exactCost;
        Cost = cost;
        DurationMilliseconds = durationMilliseconds;
        Usage = usage;
    }

    /// <summary>Nothing spent.</summary>
    public static AgentCost Zero => default;

    /// <summary>Tokens used (the total; <see cref="Usage"/> splits what was recorded with a split).</summary>
    public long Tokens { get; }

    /// <summary>Whole credits charged: the <c>cost</c> of the <c>agentCosts</c> JSON.</summary>
    public long Cost { get; }

    /// <summary>The exact amount charged, in billionths of a credit.</summary>
    public ExactCredits ExactCost { get; }

    /// <summary>Time spent, in milliseconds.</summary>
    public long DurationMilliseconds { get; }

    /// <summary>Input, output, cached-input and reasoning tokens of the model calls recorded with their usage.</summary>
    public TokenUsage Usage { get; }

    /// <summary>Adds two costs: exact amounts add exactly, whole credits add as they are.</summary>
    /// <param name="left">A cost.</param>
    /// <param name="right">Another cost.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static AgentCost operator +(AgentCost left, AgentCost right) => Add(left, right);

    /// <summary>Adds two costs: exact amounts add exactly, whole credits add as they are.</summary>
    /// <param name="left">A cost.</param>
    /// <param name="right">Another cost.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static AgentCost Add(AgentCost left, AgentCost right) => new(
        checked(left.Tokens + right.Tokens),
        left.ExactCost + right.ExactCost,
        checked(left.Cost + right.Cost),
        checked(left.DurationMilliseconds + right.DurationMilliseconds),
        left.Usage + right.Usage);

    /// <summary>The same cost with another whole-credit amount (after rounding or apportioning).</summary>
    internal AgentCost WithCost(long cost) => new(Tokens, ExactCost, cost, DurationMilliseconds, Usage);

    /// <summary>Describes the cost.</summary>
    /// <returns>For example <c>12450 tokens, 125 credits, 2300 ms</c>.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Tokens} tokens, {Cost} credits, {DurationMilliseconds} ms");
}
