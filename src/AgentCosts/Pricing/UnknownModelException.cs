namespace AgentCosts;

/// <summary>A model has no price and the policy is <see cref="UnknownModelPolicy.Throw"/>.</summary>
public sealed class UnknownModelException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public UnknownModelException()
        : base("The model has no price.")
    {
    }

    /// <summary>Creates the exception for a model.</summary>
    /// <param name="model">The model without a price.</param>
    public UnknownModelException(string model)
        : base($"Model '{model}' has no price. Add it to the price table, or set UnknownModelPolicy.ChargeDefault with a DefaultPrice.")
    {
        Model = model;
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UnknownModelException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The model without a price.</summary>
    public string? Model { get; }
}
