using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Shared;

/// <summary>
/// Compiled into each package whose options hold durations (linked, internal): a <see cref="TimeSpan"/> within bounds,
/// checked without <c>RangeAttribute(Type, …)</c>'s type converters, which trimming cannot follow.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute : ValidationAttribute
{
    /// <param name="minimum">The shortest allowed value, as <c>[d.]hh:mm:ss[.fffffff]</c>.</param>
    /// <param name="maximum">The longest allowed value; <see cref="TimeSpan.MaxValue"/> when omitted.</param>
    public TimeSpanRangeAttribute(string minimum, string? maximum = null)
    {
        Minimum = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
        Maximum = maximum is null ? TimeSpan.MaxValue : TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);
    }

    public TimeSpan Minimum { get; }

    public TimeSpan Maximum { get; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not TimeSpan span || (span >= Minimum && span <= Maximum))
        {
            return ValidationResult.Success;
        }

        string name = validationContext.MemberName ?? validationContext.DisplayName;
        string bounds = Maximum == TimeSpan.MaxValue ? $"at least {Minimum}" : $"from {Minimum} to {Maximum}";
        return new ValidationResult($"{name} is {span}; it must be {bounds}.", validationContext.MemberName is { } member ? [member] : null);
    }
}
