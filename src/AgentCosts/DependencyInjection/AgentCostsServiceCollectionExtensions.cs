using AgentCosts;
using AgentCosts.DependencyInjection;
using AgentCosts.Metrics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// In the DI namespace by convention, so 'services.AddAgentCosts' needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the AgentCosts services.</summary>
public static class AgentCostsServiceCollectionExtensions
{
    /// <summary>
    /// Registers validated <see cref="AgentCostsOptions"/>, <see cref="AgentCostsMetrics"/>, a <see cref="PriceTable"/>
    /// and an <see cref="IMissionCostTrackerFactory"/>, all singletons.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options (they may also be bound from configuration).</param>
    /// <returns>The same service collection.</returns>
    /// <remarks>
    /// The metrics use the host's <see cref="IMeterFactory"/> when it has one; the price table is built from the
    /// options. Uses <c>TryAdd*</c>: calling it twice is harmless.
    /// </remarks>
    public static IServiceCollection AddAgentCosts(this IServiceCollection services, Action<AgentCostsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AgentCostsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<AgentCostsOptions>) && d.ImplementationType == typeof(AgentCostsOptionsValidator)))
        {
            services.AddSingleton<IValidateOptions<AgentCostsOptions>, AgentCostsOptionsValidator>();
            options.ValidateOnStart();
        }

        services.TryAddSingleton(TimeProvider.System);
        // The host's IMeterFactory owns the meter when there is one (AddMetrics, every ASP.NET Core host): meters are then
        // scoped to the container, so tests and several hosts in one process do not see each other's measurements.
        services.TryAddSingleton(sp =>
        {
            string meterName = sp.GetRequiredService<IOptions<AgentCostsOptions>>().Value.MeterName;
            return sp.GetService<IMeterFactory>() is { } meterFactory
                ? new AgentCostsMetrics(meterFactory, meterName)
                : new AgentCostsMetrics(meterName: meterName);
        });
        services.TryAddSingleton(sp =>
        {
            var value = sp.GetRequiredService<IOptions<AgentCostsOptions>>().Value;
            return new PriceTable(value.Prices.AsReadOnly(), value.UnknownModelPolicy, value.DefaultPrice, value.Rounding);
        });
        services.TryAddSingleton<IMissionCostTrackerFactory, MissionCostTrackerFactory>();
        return services;
    }
}
