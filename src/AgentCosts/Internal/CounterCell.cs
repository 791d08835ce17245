using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AgentCosts.Internal;

/// <summary>One thread slot's share of an agent's totals.</summary>
/// <remarks>
/// Only the thread holding the slot writes a private cell, so additions are plain reads and writes; readers sum the
/// cells. The shared cell (for threads beyond the slot limit) uses interlocked additions instead. Fields sit on their
/// own cache line, away from neighbouring cells.
/// </remarks>
[StructLayout(LayoutKind.Explicit)]
internal sealed class CounterCell(bool shared)
{
    [FieldOffset(64)]
    public long Tokens;

    /// <summary>Cost in billionths of a credit: exact, rounded only when a snapshot is taken.</summary>
    [FieldOffset(72)]
    public long CostNanocredits;

    [FieldOffset(80)]
    public long DurationNanoseconds;

    [FieldOffset(88)]
    public long InputTokens;

    [FieldOffset(96)]
    public long OutputTokens;

    [FieldOffset(104)]
    public long CachedInputTokens;

    [FieldOffset(112)]
    public long ReasoningTokens;

    [FieldOffset(120)]
    public long CacheWriteInputTokens;

    /// <summary>Model calls recorded with <see cref="AddUsage"/>.</summary>
    [FieldOffset(128)]
    public long Calls;

    [FieldOffset(136)]
    private readonly bool _shared = shared;

    // Keeps the next object off this cell's cache line.
#pragma warning disable CS0169, IDE0051
    [FieldOffset(184)]
    private readonly long _padding;
#pragma warning restore CS0169, IDE0051

    /// <summary>Adds to one field of this cell, refusing negative amounts and overflow (the field is then unchanged).</summary>
    public void Add(ref long field, long amount, string paramName)
    {
        if (!_shared)
        {
            Volatile.Write(ref field, Checked(field, amount, paramName));
        }
        else if (!TryAddShared(ref field, NotNegative(amount, paramName)))
        {
            throw Overflow(paramName, amount);
        }
    }

    /// <summary>Adds a whole step, or nothing when any of the three totals would overflow.</summary>
    public void AddStep(long tokens, long costNanocredits, long nanoseconds)
    {
        if (!_shared)
        {
            long newTokens = Checked(Tokens, tokens, nameof(tokens));
            long newCost = Checked(CostNanocredits, costNanocredits, "cost");
            long newNanoseconds = Checked(DurationNanoseconds, nanoseconds, "duration");
            Volatile.Write(ref Tokens, newTokens);
            Volatile.Write(ref CostNanocredits, newCost);
            Volatile.Write(ref DurationNanoseconds, newNanoseconds);
            return;
        }

        AddShared([tokens, costNanocredits, nanoseconds], [nameof(tokens), "cost", "duration"]);
    }

    /// <summary>Adds a model call (one call, its split tokens, exact cost and time), or nothing when any total would overflow.</summary>
    public void AddUsage(in TokenUsage usage, long costNanocredits, long nanoseconds)
    {
        if (!_shared)
        {
            // Every part of a TokenUsage is zero or more, and so are the cost and the time when the caller's checks held:
            // then a total that overflowed has turned negative, and one test covers all nine. When it fails, nothing is
            // written and the checks run one by one to name what failed.
            long newTokens = Tokens + usage.TotalTokens;
            long newCost = CostNanocredits + costNanocredits;
            long newNanoseconds = DurationNanoseconds + nanoseconds;
            long newInput = InputTokens + usage.InputTokens;
            long newOutput = OutputTokens + usage.OutputTokens;
            long newCached = CachedInputTokens + usage.CachedInputTokens;
            long newReasoning = ReasoningTokens + usage.ReasoningTokens;
            long newCacheWrite = CacheWriteInputTokens + usage.CacheWriteInputTokens;
            long newCalls = Calls + 1;
            if ((costNanocredits | nanoseconds | newTokens | newCost | newNanoseconds | newInput | newOutput | newCached
                | newReasoning | newCacheWrite | newCalls) < 0)
            {
                ThrowRejected(usage, costNanocredits, nanoseconds);
            }

            Volatile.Write(ref Tokens, newTokens);
            Volatile.Write(ref CostNanocredits, newCost);
            Volatile.Write(ref DurationNanoseconds, newNanoseconds);
            Volatile.Write(ref InputTokens, newInput);
            Volatile.Write(ref OutputTokens, newOutput);
            Volatile.Write(ref CachedInputTokens, newCached);
            Volatile.Write(ref ReasoningTokens, newReasoning);
            Volatile.Write(ref CacheWriteInputTokens, newCacheWrite);
            Volatile.Write(ref Calls, newCalls);
            return;
        }

        AddShared(
            [
                usage.TotalTokens, costNanocredits, nanoseconds, usage.InputTokens, usage.OutputTokens,
                usage.CachedInputTokens, usage.ReasoningTokens, usage.CacheWriteInputTokens, 1,
            ],
            ["tokens", "cost", "duration", "inputTokens", "outputTokens", "cachedInputTokens", "reasoningTokens", "cacheWriteInputTokens", "calls"]);
    }

    /// <summary>
    /// Throws for the first total of a private cell that cannot take its amount, in the order of the totals: called when
    /// the one-test path found a negative amount or an overflow (totals are never negative, so one of these checks fails).
    /// </summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowRejected(in TokenUsage usage, long costNanocredits, long nanoseconds)
    {
        _ = Checked(Tokens, usage.TotalTokens, "tokens");
        _ = Checked(CostNanocredits, costNanocredits, "cost");
        _ = Checked(DurationNanoseconds, nanoseconds, "duration");
        _ = Checked(InputTokens, usage.InputTokens, "inputTokens");
        _ = Checked(OutputTokens, usage.OutputTokens, "outputTokens");
        _ = Checked(CachedInputTokens, usage.CachedInputTokens, "cachedInputTokens");
        _ = Checked(ReasoningTokens, usage.ReasoningTokens, "reasoningTokens");
        _ = Checked(CacheWriteInputTokens, usage.CacheWriteInputTokens, "cacheWriteInputTokens");
        _ = Checked(Calls, 1, "calls");
        throw new UnreachableException("A counter cell's total is negative.");
    }

    private ref long Field(int index)
    {
        switch (index)
        {
            case 0: return ref Tokens;
            case 1: return ref CostNanocredits;
            case 2: return ref DurationNanoseconds;
            case 3: return ref InputTokens;
            case 4: return ref OutputTokens;
            case 5: return ref CachedInputTokens;
            case 6: return ref ReasoningTokens;
            case 7: return ref CacheWriteInputTokens;
            default: return ref Calls;
        }
    }

    private void AddShared(ReadOnlySpan<long> amounts, ReadOnlySpan<string> names)
    {
        for (int i = 0; i < amounts.Length; i++)
        {
            NotNegative(amounts[i], names[i]);
        }

        // Interlocked additions cannot be checked before they happen: undo the earlier ones when a later one overflows.
        for (int i = 0; i < amounts.Length; i++)
        {
            if (!TryAddShared(ref Field(i), amounts[i]))
            {
                for (int done = 0; done < i; done++)
                {
                    Interlocked.Add(ref Field(done), -amounts[done]);
                }

                throw Overflow(names[i], amounts[i]);
            }
        }
    }

    private static bool TryAddShared(ref long field, long amount)
    {
        if (Interlocked.Add(ref field, amount) >= 0)
        {
            return true;
        }

        Interlocked.Add(ref field, -amount);
        return false;
    }

    private static long NotNegative(long amount, string paramName) =>
        amount >= 0 ? amount : throw new ArgumentOutOfRangeException(paramName, amount, "Costs cannot be negative.");

    private static long Checked(long total, long amount, string paramName)
    {
        long sum = total + NotNegative(amount, paramName);
        return sum >= 0 ? sum : throw Overflow(paramName, amount);
    }

    private static ArgumentOutOfRangeException Overflow(string paramName, long amount) =>
        new(paramName, amount, "Adding this amount would overflow a 64-bit total.");
}
