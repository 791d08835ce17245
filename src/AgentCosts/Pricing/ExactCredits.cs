using System.Globalization;
using AgentCosts.Internal;

namespace AgentCosts;

/// <summary>
/// An exact amount of credits, in billionths of a credit, so that fractional costs add up without drift and are
/// rounded once at the end.
/// </summary>
public readonly record struct ExactCredits : IComparable<ExactCredits>
{
    /// <summary>Billionths of a credit in one credit.</summary>
    public const long NanocreditsPerCredit = 1_000_000_000;

    /// <summary>Creates an amount.</summary>
    /// <param name="nanocredits">Billionths of a credit, zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public ExactCredits(Int128 nanocredits)
    {
        if (nanocredits < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(nanocredits), "Credits cannot be negative.");
        }

        Nanocredits = nanocredits;
    }

    /// <summary>No credits.</summary>
    public static ExactCredits Zero => default;

    /// <summary>A whole number of credits.</summary>
    /// <param name="credits">Credits, zero or more.</param>
    /// <returns>The exact amount.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public static ExactCredits FromCredits(long credits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(credits);
        return new ExactCredits((Int128)credits * NanocreditsPerCredit);
    }

    /// <summary>A fractional number of credits, exact to the billionth.</summary>
    /// <param name="credits">Credits, zero or more, at most nine decimal places.</param>
    /// <returns>The exact amount.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or finer than a billionth of a credit.</exception>
    public static ExactCredits FromCredits(decimal credits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(credits);
        decimal nanocredits = credits * NanocreditsPerCredit;
        if (nanocredits != decimal.Truncate(nanocredits))
        {
            throw new ArgumentOutOfRangeException(nameof(credits), credits, "Credits are exact to a billionth; this amount has more than nine decimal places.");
        }

        return new ExactCredits((Int128)nanocredits);
    }

    /// <summary>The amount in billionths of a credit.</summary>
    public Int128 Nanocredits { get; }

    /// <summary>The amount in credits, exactly.</summary>
    public decimal Credits => (decimal)Nanocredits / NanocreditsPerCredit;

    /// <summary>Adds two amounts.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">Another amount.</param>
    /// <returns>The exact sum.</returns>
    public static ExactCredits operator +(ExactCredits left, ExactCredits right) => Add(left, right);

    /// <summary>Adds two amounts.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">Another amount.</param>
    /// <returns>The exact sum.</returns>
    public static ExactCredits Add(ExactCredits left, ExactCredits right) => new(checked(left.Nanocredits + right.Nanocredits));

    /// <summary>Subtracts an amount.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">An amount no larger than <paramref name="left"/>.</param>
    /// <returns>The exact difference.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The difference would be negative.</exception>
    public static ExactCredits operator -(ExactCredits left, ExactCredits right) => Subtract(left, right);

    /// <summary>Subtracts an amount.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">An amount no larger than <paramref name="left"/>.</param>
    /// <returns>The exact difference.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The difference would be negative.</exception>
    public static ExactCredits Subtract(ExactCredits left, ExactCredits right) => new(left.Nanocredits - right.Nanocredits);

    /// <summary>Compares two amounts.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">Another amount.</param>
    /// <returns>Whether <paramref name="left"/> is less.</returns>
    public static bool operator <(ExactCredits left, ExactCredits right) => left.Nanocredits < right.Nanocredits;

    /// <summary>Compares two amounts.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">Another amount.</param>
    /// <returns>Whether <paramref name="left"/> is greater.</returns>
    public static bool operator >(ExactCredits left, ExactCredits right) => left.Nanocredits > right.Nanocredits;

    /// <summary>Compares two amounts.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">Another amount.</param>
    /// <returns>Whether <paramref name="left"/> is less or equal.</returns>
    public static bool operator <=(ExactCredits left, ExactCredits right) => left.Nanocredits <= right.Nanocredits;

    /// <summary>Compares two amounts.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">Another amount.</param>
    /// <returns>Whether <paramref name="left"/> is greater or equal.</returns>
    public static bool operator >=(ExactCredits left, ExactCredits right) => left.Nanocredits >= right.Nanocredits;

    /// <inheritdoc />
    public int CompareTo(ExactCredits other) => Nanocredits.CompareTo(other.Nanocredits);

    /// <summary>Rounds to whole credits, once.</summary>
    /// <param name="rounding">How fractions are treated.</param>
    /// <returns>Whole credits.</returns>
    /// <exception cref="OverflowException">The result does not fit a 64-bit integer.</exception>
    public long Round(CreditRounding rounding = AgentCostsDefaults.Rounding)
    {
        Int128 bias = rounding switch
        {
            CreditRounding.HalfUp => NanocreditsPerCredit / 2,
            CreditRounding.Up => NanocreditsPerCredit - 1,
            CreditRounding.Down => 0,
            _ => throw new ArgumentOutOfRangeException(nameof(rounding), rounding, "Unknown rounding."),
        };
        return checked((long)((Nanocredits + bias) / NanocreditsPerCredit));
    }

    /// <summary>The amount in nanocredits as a 64-bit integer, for the accumulators' cells.</summary>
    internal long ToInt64Nanocredits(string paramName) => Nanocredits <= long.MaxValue
        ? (long)Nanocredits
        : throw new ArgumentOutOfRangeException(paramName, "The amount exceeds what a 64-bit total of nanocredits can hold.");

    /// <summary>Whole credits as nanocredits in a 64-bit integer.</summary>
    internal static long CreditsToNanocredits(long credits, string paramName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(credits, paramName);
        return credits <= long.MaxValue / NanocreditsPerCredit
            ? credits * NanocreditsPerCredit
            : throw new ArgumentOutOfRangeException(paramName, credits, "The amount exceeds what a 64-bit total of nanocredits can hold.");
    }

    /// <summary>The exact amount in credits.</summary>
    /// <returns>For example <c>0.5253 credits</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Credits} credits");
}
