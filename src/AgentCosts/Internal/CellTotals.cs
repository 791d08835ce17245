namespace AgentCosts.Internal;

/// <summary>The sum of a <see cref="CounterCells"/> set's cells.</summary>
internal struct CellTotals
{
    public long Tokens;
    public Int128 CostNanocredits;
    public long DurationNanoseconds;
    public long InputTokens;
    public long OutputTokens;
    public long CachedInputTokens;
    public long ReasoningTokens;
    public long CacheWriteInputTokens;
    public long Calls;

    /// <summary>
    /// The token split, kept consistent with itself: cells are read one field at a time while recording may go on, so a
    /// part read after its whole may briefly exceed it.
    /// </summary>
    public readonly TokenUsage Usage
    {
        get
        {
            long cached = Math.Min(CachedInputTokens, InputTokens);
            return new TokenUsage(
                InputTokens, OutputTokens, cached, Math.Min(ReasoningTokens, OutputTokens), Math.Min(CacheWriteInputTokens, InputTokens - cached));
        }
    }

    public void Add(CounterCell cell)
    {
        Tokens = checked(Tokens + Volatile.Read(ref cell.Tokens));
        CostNanocredits += Volatile.Read(ref cell.CostNanocredits);
        DurationNanoseconds = checked(DurationNanoseconds + Volatile.Read(ref cell.DurationNanoseconds));
        InputTokens = checked(InputTokens + Volatile.Read(ref cell.InputTokens));
        OutputTokens = checked(OutputTokens + Volatile.Read(ref cell.OutputTokens));
        CachedInputTokens = checked(CachedInputTokens + Volatile.Read(ref cell.CachedInputTokens));
        ReasoningTokens = checked(ReasoningTokens + Volatile.Read(ref cell.ReasoningTokens));
        CacheWriteInputTokens = checked(CacheWriteInputTokens + Volatile.Read(ref cell.CacheWriteInputTokens));
        Calls = checked(Calls + Volatile.Read(ref cell.Calls));
    }
}
