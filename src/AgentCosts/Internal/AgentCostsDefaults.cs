namespace AgentCosts.Internal;

/// <summary>Every default of the package's options, in one place (the options and their validation read them).</summary>
internal static class AgentCostsDefaults
{
    public const string MeterName = "AgentCosts";
    public const UnknownModelPolicy UnknownModelPolicy = AgentCosts.UnknownModelPolicy.Throw;
    public const CreditRounding Rounding = CreditRounding.HalfUp;
}
