using AgentCosts.Extensions.AI;
using AgentCosts.Metrics;
using Microsoft.Extensions.DependencyInjection;

// In the namespace of ChatClientBuilder by convention, as Microsoft.Extensions.AI's own Use… extensions are, so
// 'builder.UseAgentCosts()' needs no extra using.
namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="AgentCostsChatClient"/> to a chat client pipeline.</summary>
public static class AgentCostsChatClientBuilderExtensions
{
    /// <summary>Adds per-agent cost tracking.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="configure">Configures the options; <see cref="AgentCostsChatClientOptions.Metrics"/> defaults to the
    /// <see cref="AgentCostsMetrics"/> registered in the services, when there is one.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// Every call's tokens, exact price and duration are recorded for its agent and mission (fixed in the options, or
    /// from the ambient <see cref="AgentCostScope"/>), and a call that the mission's budget cannot cover is refused
    /// before the inner client is called.
    /// </remarks>
    public static ChatClientBuilder UseAgentCosts(this ChatClientBuilder builder, Action<AgentCostsChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((innerClient, services) =>
        {
            var options = new AgentCostsChatClientOptions { Metrics = services.GetService<AgentCostsMetrics>() };
            configure?.Invoke(options);
            return new AgentCostsChatClient(innerClient, options);
        });
    }
}
