using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentCosts.Extensions.AI;

/// <summary>
/// The text of a chat request that a provider bills as input: the options' instructions, then every message's text,
/// function calls' arguments and function results (tool output). What an <see cref="IInputTokenEstimator"/> counts.
/// </summary>
public static class ChatRequestText
{
    /// <summary>The request's billable text, piece by piece (no copy of the whole request is made).</summary>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options, if any.</param>
    /// <returns>The pieces, in request order.</returns>
    public static IEnumerable<string> Pieces(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            yield return instructions;
        }

        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (Text(content) is { Length: > 0 } text)
                {
                    yield return text;
                }
            }
        }
    }

    /// <summary>The characters of <see cref="Pieces"/>, counted without copying any text (only tool data that is not a string is serialised).</summary>
    /// <param name="messages">The request's messages.</param>
    /// <param name="options">The request's options, if any.</param>
    /// <returns>The number of UTF-16 characters.</returns>
    public static long CountCharacters(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        long characters = options?.Instructions?.Length ?? 0;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                characters += Text(content)?.Length ?? 0;
            }
        }

        return characters;
    }

    private static string? Text(AIContent content) => content switch
    {
        TextContent { Text: { } text } => text,
        FunctionResultContent { Result: string result } => result,
        FunctionResultContent { Result: { } result } => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
        FunctionCallContent { Arguments: { } arguments } call =>
            call.Name + JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))),
        FunctionCallContent call => call.Name,
        _ => null,
    };
}
