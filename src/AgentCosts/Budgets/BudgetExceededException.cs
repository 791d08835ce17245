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
        : this(limit, requested, remaining, agentName: null)
    {
    }

    /// <summary>Creates the exception for a reservation refused by an agent's budget (or, without a name, the mission's).</summary>
    /// <param name="limit">The refusing budget's limit.</param>
    /// <param name="requested">Credits asked for.</param>
    /// <param name="remaining">Credits that were left at that level.</param>
    /// <param name="agentName">The agent whose budget refused; <see langword="null"/> for the mission's budget.</param>
    public BudgetExceededException(ExactCredits limit, ExactCredits requested, ExactCredits remaining, string? agentName)
        : base(agentName is null
            ? $"The mission budget of {limit} cannot cover {requested} more; {remaining} remain."
            : $"The budget of agent '{agentName}' ({limit}) cannot cover {requested} more; {remaining} remain there.")
    {
        Limit = limit;
        Requested = requested;
        Remaining = remaining;
        AgentName = agentName;
    }

    /// <summary>The agent whose budget refused the reservation; <see langword="null"/> when the mission's did.</summary>
    public string? AgentName { get; }

    /// <summary>The budget's limit.</summary>
    public ExactCredits Limit { get; }

    /// <summary>Credits asked for.</summary>
    public ExactCredits Requested { get; }

    /// <summary>Credits that were left.</summary>
    public ExactCredits Remaining { get; }
}
