using System.Diagnostics;

namespace AgentCosts.Benchmarks;

/// <summary>
/// A paired, interleaved comparison of two workloads in one process: each pair runs the baseline and the candidate back
/// to back (alternating which goes first), each repeated to about 20 ms, so both halves of a pair see the same machine
/// state and a noisy neighbour slows a pair, not one side. The per-pair ratios give a median and a distribution-free
/// 95 % confidence interval for it.
/// </summary>
internal static class PairedMeasurement
{
    /// <summary>The overhead as percentages (median and its interval) and per unit of work in nanoseconds.</summary>
    public sealed record Result(double Median, double Lower, double Upper, double UnitNanoseconds, double CostNanoseconds);

    /// <param name="baseline">One run of the baseline.</param>
    /// <param name="candidate">One run of the candidate (the same work, plus what is measured).</param>
    /// <param name="pairs">Pairs to measure.</param>
    /// <param name="unitsPerRun">Units of work in one run (steps of a mission, one call), for the per-unit figures.</param>
    public static Result Measure(Action baseline, Action candidate, int pairs, int unitsPerRun)
    {
        // Warm up both sides (tiered compilation settles) and size each sample to about 20 ms of work.
        for (int i = 0; i < 30; i++)
        {
            baseline();
            candidate();
        }

        double oneRun = Time(baseline, 10) / 10 / 1e6;
        int repeats = Math.Max(1, (int)Math.Ceiling(20 / Math.Max(oneRun, 0.0001)));

        var ratios = new double[pairs];
        var differences = new double[pairs];
        var baselines = new double[pairs];
        for (int pair = 0; pair < pairs; pair++)
        {
            double without, with;
            if (pair % 2 == 0)
            {
                without = Time(baseline, repeats);
                with = Time(candidate, repeats);
            }
            else
            {
                with = Time(candidate, repeats);
                without = Time(baseline, repeats);
            }

            ratios[pair] = with / without;
            differences[pair] = (with - without) / repeats / unitsPerRun;
            baselines[pair] = without / repeats / unitsPerRun;
        }

        Array.Sort(ratios);
        var (lower, upper) = MedianInterval(ratios);
        return new Result(Percent(Median(ratios)), Percent(lower), Percent(upper), Median(Sorted(baselines)), Median(Sorted(differences)));
    }

    /// <summary>Nanoseconds for <paramref name="repeats"/> runs.</summary>
    private static double Time(Action run, int repeats)
    {
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < repeats; i++)
        {
            run();
        }

        return Stopwatch.GetElapsedTime(started).TotalNanoseconds;
    }

    /// <summary>
    /// The 95 % confidence interval of the median of sorted samples: the order statistics at n/2 ∓ 1.96·√n/2, which
    /// need no assumption about the distribution (the count of samples below the median is binomial).
    /// </summary>
    private static (double Lower, double Upper) MedianInterval(double[] sorted)
    {
        int n = sorted.Length;
        double half = 1.96 * Math.Sqrt(n) / 2;
        int lower = Math.Max(0, (int)Math.Floor((n / 2.0) - half) - 1);
        int upper = Math.Min(n - 1, (int)Math.Ceiling((n / 2.0) + half));
        return (sorted[lower], sorted[upper]);
    }

    private static double[] Sorted(double[] values)
    {
        Array.Sort(values);
        return values;
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    private static double Percent(double ratio) => (ratio - 1) * 100;
}
