namespace AgentCosts.Internal;

/// <summary>Lock-free checked additions: a negative amount is refused, an overflow is undone and reported, never wrapped.</summary>
internal static class Counter
{
    public static void Add(ref long location, long amount, string paramName)
    {
        if (amount < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, amount, "Costs cannot be negative.");
        }

        if (Interlocked.Add(ref location, amount) < 0)
        {
            Interlocked.Add(ref location, -amount);
            throw new ArgumentOutOfRangeException(paramName, amount, "Adding this amount would overflow a 64-bit total.");
        }
    }
}
