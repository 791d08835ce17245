namespace AgentCosts;

/// <summary>How an exact fractional amount of credits becomes whole credits (applied once, to the whole amount).</summary>
public enum CreditRounding
{
    /// <summary>To the nearest credit, halves up: 0.5 → 1, 0.49 → 0. The default.</summary>
    HalfUp = 0,

    /// <summary>Any fraction is a whole credit: 0.01 → 1.</summary>
    Up = 1,

    /// <summary>Fractions are dropped: 0.99 → 0.</summary>
    Down = 2,
}
