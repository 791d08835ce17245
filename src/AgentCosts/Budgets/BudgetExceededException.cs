namespace AgentCosts;

/// <summary>A reservation would take a mission past its credit budget.</summary>
public sealed class BudgetExceededException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public BudgetExceededException()
        : base("The mission budget cannot cover this reservation.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public BudgetExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BudgetExceededException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refused reservation.</summary>
    /// <param name="limit">The budget's limit.</param>
    /// <param name="requested">Credits asked for.</param>
    /// <param name="remaining">Credits that were left.</param>
    public BudgetExceededException(ExactCredits limit, ExactCredits requested, ExactCredits remaining)
        : base($"The mission budget of {limit} cannot cover {requested} more; {remaining} remain.")
    {
        Limit = limit;
        Requested = requested;
        Remaining = remaining;
    }

    /// <summary>The budget's limit.</summary>
    public ExactCredits Limit { get; }

    /// <summary>Credits asked for.</summary>
    public ExactCredits Requested { get; }

    /// <summary>Credits that were left.</summary>
    public ExactCredits Remaining { get; }
}
