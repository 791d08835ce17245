using Microsoft.Extensions.Logging;

namespace AgentCosts.Extensions.AI;

/// <summary>What the middleware logs, as source-generated messages.</summary>
internal static partial class AgentCostsLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "A model call by agent {Agent} succeeded with model {Model}, which the price table "
        + "lacks; it was charged its reserved estimate of {Credits} credits.")]
    public static partial void UnpricedCall(ILogger logger, string model, string agent, decimal credits);
}
