using System.Globalization;

namespace AgentCosts;

/// <summary>What one agent (or a whole mission) spent: tokens, credits and milliseconds. All non-negative.</summary>
public readonly record struct AgentCost
{
    /// <summary>Creates a cost.</summary>
    /// <param name="tokens">Tokens used, zero or more.</param>
    /// <param name="cost">Credits charged (integer credits), zero or more.</param>
    /// <param name="durationMilliseconds">Time spent in milliseconds, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative.</exception>
    public AgentCost(long tokens, long cost, long durationMilliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        ArgumentOutOfRangeException.ThrowIfNegative(durationMilliseconds);
        Tokens = tokens;
        Cost = cost;
        DurationMilliseconds = durationMilliseconds;
    }

    /// <summary>Nothing spent.</summary>
    public static AgentCost Zero => default;

    /// <summary>Tokens used.</summary>
    public long Tokens { get; }

    /// <summary>Credits charged.</summary>
    public long Cost { get; }

    /// <summary>Time spent, in milliseconds.</summary>
    public long DurationMilliseconds { get; }

    /// <summary>Adds two costs.</summary>
    /// <param name="left">A cost.</param>
    /// <param name="right">Another cost.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static AgentCost operator +(AgentCost left, AgentCost right) => Add(left, right);

    /// <summary>Adds two costs.</summary>
    /// <param name="left">A cost.</param>
    /// <param name="right">Another cost.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static AgentCost Add(AgentCost left, AgentCost right) => new(
        checked(left.Tokens + right.Tokens),
        checked(left.Cost + right.Cost),
        checked(left.DurationMilliseconds + right.DurationMilliseconds));

    /// <summary>Describes the cost.</summary>
    /// <returns>For example <c>12450 tokens, 125 credits, 2300 ms</c>.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Tokens} tokens, {Cost} credits, {DurationMilliseconds} ms");
}
