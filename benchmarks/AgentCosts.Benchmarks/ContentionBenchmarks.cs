using BenchmarkDotNet.Attributes;

namespace AgentCosts.Benchmarks;

/// <summary>Threads recording at once, to one agent (shared counters) or each to its own agent.</summary>
[MemoryDiagnoser]
public class ContentionBenchmarks
{
    private static readonly ExactCredits OneCredit = ExactCredits.FromCredits(1);
    private static readonly TimeSpan OneMillisecond = TimeSpan.FromMilliseconds(1);

    private const int RecordsPerThread = 200_000;

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(false, true)]
    public bool SameAgent { get; set; }

    [Benchmark(OperationsPerInvoke = RecordsPerThread)]
    public long RecordConcurrently()
    {
        var mission = new MissionCostTracker();
        var handles = Enumerable.Range(0, Threads).Select(i => mission.Agent(SameAgent ? "shared" : $"agent-{i}")).ToArray();
        using var start = new Barrier(Threads);
        var threads = handles.Select(handle => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < RecordsPerThread; i++)
            {
                handle.Record(3, OneCredit, OneMillisecond);
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        return mission.Snapshot().Total.Tokens;
    }
}
