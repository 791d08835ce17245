using System.Globalization;

namespace AgentCosts;

/// <summary>What the calls to one model added up to: how many calls, their tokens and their exact cost.</summary>
public readonly record struct ModelUsage
{
    /// <summary>Creates a model's totals.</summary>
    /// <param name="calls">Calls made, zero or more.</param>
    /// <param name="usage">Their tokens.</param>
    /// <param name="exactCost">Their exact cost.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="calls"/> is negative.</exception>
    public ModelUsage(long calls, TokenUsage usage, ExactCredits exactCost)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(calls);
        Calls = calls;
        Usage = usage;
        ExactCost = exactCost;
    }

    /// <summary>Calls made.</summary>
    public long Calls { get; }

    /// <summary>Their tokens.</summary>
    public TokenUsage Usage { get; }

    /// <summary>Their exact cost.</summary>
    public ExactCredits ExactCost { get; }

    /// <summary>Adds two models' totals.</summary>
    /// <param name="left">Totals.</param>
    /// <param name="right">Other totals.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static ModelUsage operator +(ModelUsage left, ModelUsage right) => Add(left, right);

    /// <summary>Adds two models' totals.</summary>
    /// <param name="left">Totals.</param>
    /// <param name="right">Other totals.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="OverflowException">A sum exceeds <see cref="long.MaxValue"/>.</exception>
    public static ModelUsage Add(ModelUsage left, ModelUsage right) =>
        new(checked(left.Calls + right.Calls), left.Usage + right.Usage, left.ExactCost + right.ExactCost);

    /// <summary>Describes the totals.</summary>
    /// <returns>Calls, tokens and cost.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Calls} calls, {Usage}, {ExactCost}");
}
