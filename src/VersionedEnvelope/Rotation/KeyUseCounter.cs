using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace VersionedEnvelope;

/// <summary>This host's wraps per key version since the last flush.</summary>
/// <remarks>
/// Counting is one interlocked add on a stripe chosen by the processor (no lock, and threads on different cores do not
/// share a cache line); taking the counts swaps every stripe to zero, so a wrap counted during a flush is in this flush
/// or the next, never in both.
/// </remarks>
internal sealed class KeyUseCounter
{
    private readonly ConcurrentDictionary<int, Stripes> _byVersion = new();
    private Stripes _latest = new(0);

    /// <summary>Counts one wrap under <paramref name="version"/>.</summary>
    public void Add(int version)
    {
        var stripes = Volatile.Read(ref _latest);
        if (stripes.Version != version)
        {
            stripes = _byVersion.GetOrAdd(version, static v => new Stripes(v));
            Volatile.Write(ref _latest, stripes);
        }

        stripes.Increment();
    }

    /// <summary>The wraps counted and not yet taken, by version (a snapshot for status).</summary>
    public IReadOnlyDictionary<int, long> Peek() =>
        _byVersion.Values.Select(s => (s.Version, Count: s.Sum())).Where(p => p.Count > 0).ToDictionary(p => p.Version, p => p.Count);

    /// <summary>Takes every count out (each stripe swapped to zero), by version.</summary>
    public IReadOnlyDictionary<int, long> Take() =>
        _byVersion.Values.Select(s => (s.Version, Count: s.Take())).Where(p => p.Count > 0).ToDictionary(p => p.Version, p => p.Count);

    /// <summary>Puts counts back after a flush the store refused, for the next flush.</summary>
    public void Return(IReadOnlyDictionary<int, long> counts)
    {
        foreach (var (version, count) in counts)
        {
            _byVersion.GetOrAdd(version, static v => new Stripes(v)).Add(count);
        }
    }

    private sealed class Stripes(int version)
    {
        private static readonly int Mask = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64)) - 1;
        private readonly PaddedCount[] _counts = new PaddedCount[Mask + 1];

        public int Version { get; } = version;

        public void Increment() => Interlocked.Increment(ref _counts[Thread.GetCurrentProcessorId() & Mask].Value);

        public void Add(long count) => Interlocked.Add(ref _counts[0].Value, count);

        public long Sum()
        {
            long sum = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                sum += Interlocked.Read(ref _counts[i].Value);
            }

            return sum;
        }

        public long Take()
        {
            long sum = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                sum += Interlocked.Exchange(ref _counts[i].Value, 0);
            }

            return sum;
        }
    }

    /// <summary>One stripe on a cache line of its own (128 bytes: adjacent-line prefetching pairs lines on x64).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCount
    {
        [FieldOffset(0)]
        public long Value;
    }
}
