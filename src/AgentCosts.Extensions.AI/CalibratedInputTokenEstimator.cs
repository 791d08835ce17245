using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI;

/// <summary>
/// The default estimate, with no tokenizer: the request's characters times a ratio of billed input tokens to
/// characters, learned per model from the responses (a moving estimate), starting at one token per four characters.
/// </summary>
/// <remarks>
/// Each observed call moves its model's ratio a quarter of the way towards what was billed, so a few dozen calls of a
/// steady workload bring the estimate within a few per cent of the bill, whatever the language or the share of code,
/// JSON or tool output. Memory is bounded: past <see cref="MaxModels"/> models, the others share one ratio.
/// Thread-safe and allocation-free per call.
/// </remarks>
public sealed class CalibratedInputTokenEstimator : IInputTokenEstimator
{
    /// <summary>The ratio before anything was observed: one token per four characters, English prose's rule of thumb.</summary>
    public const double InitialTokensPerCharacter = 0.25;

    /// <summary>How many models get a ratio of their own.</summary>
    public const int MaxModels = 256;

    private const double Weight = 0.25;

    private readonly ConcurrentDictionary<string, Ratio> _byModel = new(StringComparer.Ordinal);
    private readonly Ratio _shared = new();

    /// <inheritdoc />
    public long EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId)
    {
        long characters = ChatRequestText.CountCharacters(messages, options);
        return (long)Math.Ceiling(characters * RatioOf(modelId).Value);
    }

    /// <inheritdoc />
    public void Observe(string? modelId, long estimatedInputTokens, long billedInputTokens)
    {
        if (estimatedInputTokens > 0 && billedInputTokens > 0)
        {
            RatioOf(modelId).MoveTowards(billedInputTokens / (double)estimatedInputTokens, Weight);
        }
    }

    /// <summary>The tokens per character the estimator uses for a model now.</summary>
    /// <param name="modelId">The model, or <see langword="null"/>.</param>
    /// <returns>The learned ratio, or <see cref="InitialTokensPerCharacter"/>.</returns>
    public double GetTokensPerCharacter(string? modelId) => RatioOf(modelId).Value;

    private Ratio RatioOf(string? modelId)
    {
        if (modelId is null)
        {
            return _shared;
        }

        if (_byModel.TryGetValue(modelId, out var ratio))
        {
            return ratio;
        }

        return _byModel.Count < MaxModels ? _byModel.GetOrAdd(modelId, static _ => new Ratio()) : _shared;
    }

    /// <summary>One learned ratio, updated without a lock.</summary>
    private sealed class Ratio
    {
        private long _bits = BitConverter.DoubleToInt64Bits(InitialTokensPerCharacter);

        public double Value => BitConverter.Int64BitsToDouble(Volatile.Read(ref _bits));

        /// <summary>Scales the ratio by a part of the observed factor (billed ÷ estimated), bounded so one odd call cannot swing it.</summary>
        public void MoveTowards(double factor, double weight)
        {
            double step = 1 + (weight * (Math.Clamp(factor, 0.1, 10) - 1));
            long seen = Volatile.Read(ref _bits);
            while (true)
            {
                double next = Math.Clamp(BitConverter.Int64BitsToDouble(seen) * step, 1e-4, 10);
                long found = Interlocked.CompareExchange(ref _bits, BitConverter.DoubleToInt64Bits(next), seen);
                if (found == seen)
                {
                    return;
                }

                seen = found;
            }
        }
    }
}
