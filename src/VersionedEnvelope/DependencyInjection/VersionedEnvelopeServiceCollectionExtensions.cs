using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VersionedEnvelope;
using VersionedEnvelope.DependencyInjection;
using VersionedEnvelope.Internal;
using VersionedEnvelope.Keys;

// In the DI namespace by convention, so 'services.AddVersionedEnvelope' needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the envelope encryptor.</summary>
public static class VersionedEnvelopeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IEnvelopeEncryptor"/> (singleton) and validated <see cref="VersionedEnvelopeOptions"/>.
    /// Unless an <see cref="IKeyRingProvider"/> is registered already, the key ring is the static one of the options'
    /// <c>Keys</c> and <c>ActiveVersion</c>. Uses <c>TryAdd*</c>: calling it twice is harmless.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options (they may also be bound from configuration).</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddVersionedEnvelope(this IServiceCollection services, Action<VersionedEnvelopeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<VersionedEnvelopeOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<VersionedEnvelopeOptions>) && d.ImplementationType == typeof(VersionedEnvelopeOptionsValidator)))
        {
            services.AddSingleton<IValidateOptions<VersionedEnvelopeOptions>, VersionedEnvelopeOptionsValidator>();
            options.ValidateOnStart();
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKeyRingProvider>(sp =>
        {
            var value = sp.GetRequiredService<IOptions<VersionedEnvelopeOptions>>().Value;
            if (value.Keys.Count == 0)
            {
                throw new InvalidOperationException(
                    "VersionedEnvelope has no key ring: set VersionedEnvelopeOptions.Keys and ActiveVersion, or register a key ring store.");
            }

            return new StaticKeyRingProvider(OptionsChecks.BuildStaticRing(value, sp.GetRequiredService<TimeProvider>()));
        });
        services.TryAddSingleton<IEnvelopeEncryptor>(sp => new EnvelopeEncryptor(
            sp.GetRequiredService<IKeyRingProvider>(),
            sp.GetRequiredService<IOptions<VersionedEnvelopeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
