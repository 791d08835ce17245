using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI;

/// <summary>
/// Estimates the input tokens of a request before it is sent, for the budget reservation of
/// <see cref="AgentCostsChatClient"/>, and learns from what providers bill.
/// </summary>
/// <remarks>
/// The default, <see cref="CalibratedInputTokenEstimator"/>, needs no tokenizer; <c>AgentCosts.Tokenizers</c> counts
/// with the model family's real tokenizer. An estimator is called on every tracked call with a budget, from many
/// threads at once: keep it fast and thread-safe. An estimator that throws refuses the call (the model is not called).
/// </remarks>
public interface IInputTokenEstimator
{
    /// <summary>Estimates the input tokens the provider will bill for the request.</summary>
    /// <param name="messages">The request's messages: instructions, history, tool results, the new message.</param>
    /// <param name="options">The request's options (its <c>Instructions</c> are input too), if any.</param>
    /// <param name="modelId">The model the call is priced with, when known.</param>
    /// <returns>Input tokens, zero or more.</returns>
    long EstimateInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId);

    /// <summary>Learns from a call whose response reported usage: what was estimated and what the provider billed.</summary>
    /// <param name="modelId">The model the call was estimated for.</param>
    /// <param name="estimatedInputTokens">What <see cref="EstimateInputTokens"/> returned for it.</param>
    /// <param name="billedInputTokens">The input tokens the response reported.</param>
    void Observe(string? modelId, long estimatedInputTokens, long billedInputTokens)
    {
    }
}
