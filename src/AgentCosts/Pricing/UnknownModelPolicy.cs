namespace AgentCosts;

/// <summary>What pricing does with a model that is not in the table. Never a silent zero.</summary>
public enum UnknownModelPolicy
{
    /// <summary>Throw <see cref="UnknownModelException"/>.</summary>
    Throw = 0,

    /// <summary>Charge the table's default price.</summary>
    ChargeDefault = 1,
}
