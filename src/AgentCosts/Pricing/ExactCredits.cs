using System.Globalization;

namespace AgentCosts.Pricing;

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
    public long Round(CreditRounding rounding = CreditRounding.HalfUp)
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

    /// <summary>The exact amount in credits.</summary>
    /// <returns>For example <c>0.5253 credits</c>.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Credits} credits");
}
