namespace AgentCosts.Internal;

/// <summary>
/// Gives each live thread a small slot number, reused after the thread ends, so per-thread counters can be plain
/// (non-atomic) additions: a slot has one writer at a time.
/// </summary>
/// <remarks>
/// A slot returns to the pool when the thread's lease is finalized, which happens only after the thread is gone.
/// </remarks>
internal static class ThreadSlots
{
    private static readonly object Gate = new();
    private static readonly PriorityQueue<int, int> Free = new();
    private static int _next;

    [ThreadStatic]
    private static Lease? t_lease;

    public static int Current => t_lease?.Slot ?? Acquire();

    private static int Acquire()
    {
        int slot;
        lock (Gate)
        {
            slot = Free.TryDequeue(out int reused, out _) ? reused : _next++;
        }

        t_lease = new Lease(slot);
        return slot;
    }

    /// <summary>Held only by its thread's static field: collectable, and so finalized, once the thread has ended.</summary>
    private sealed class Lease(int slot)
    {
        public int Slot { get; } = slot;

        ~Lease()
        {
            lock (Gate)
            {
                Free.Enqueue(Slot, Slot);
            }
        }
    }
}
