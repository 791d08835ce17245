using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VersionedEnvelope;
using VersionedEnvelope.DependencyInjection;
using VersionedEnvelope.Internal;
using VersionedEnvelope.Keys;
using VersionedEnvelope.Reencryption;
using VersionedEnvelope.Rotation;
using VersionedEnvelope.Storage;

// In the DI namespace by convention, so 'services.AddVersionedEnvelope' needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the envelope encryptor.</summary>
public static class VersionedEnvelopeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IEnvelopeEncryptor"/>, <see cref="KeyRingManager"/> (also as <see cref="IKeyRingProvider"/>)
    /// and <see cref="BatchReencryptor"/> as singletons, and validated <see cref="VersionedEnvelopeOptions"/>. The key ring
    /// comes from the registered <see cref="IKeyRingStore"/> (see <see cref="AddFileKeyRingStore"/>), or else is the
    /// static ring of the options' <c>Keys</c> and <c>ActiveVersion</c>. A hosted service loads the ring when the host
    /// starts, so no request waits for storage. Uses <c>TryAdd*</c>: calling it twice is harmless.
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
        services.TryAddSingleton(sp =>
        {
            var value = sp.GetRequiredService<IOptions<VersionedEnvelopeOptions>>().Value;
            var timeProvider = sp.GetRequiredService<TimeProvider>();
            var store = sp.GetService<IKeyRingStore>();
            if (store is null)
            {
                if (value.Keys.Count == 0)
                {
                    throw new InvalidOperationException(
                        "VersionedEnvelope has no key ring: set VersionedEnvelopeOptions.Keys and ActiveVersion, or register a key ring store (AddFileKeyRingStore, AddInMemoryKeyRingStore).");
                }

                store = new StaticKeyRingStore(OptionsChecks.BuildStaticRing(value, timeProvider));
            }

            return new KeyRingManager(store, value, timeProvider, sp.GetService<ILogger<KeyRingManager>>());
        });
        services.TryAddSingleton<IKeyRingProvider>(sp => sp.GetRequiredService<KeyRingManager>());
        services.TryAddSingleton<IEnvelopeEncryptor>(sp => new EnvelopeEncryptor(
            sp.GetRequiredService<IKeyRingProvider>(),
            sp.GetRequiredService<IOptions<VersionedEnvelopeOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KeyRingLoader>());
        services.TryAddSingleton(sp => new BatchReencryptor(sp.GetRequiredService<IEnvelopeEncryptor>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// Keeps the key ring in a JSON file whose key material is sealed under a root key, so it can be rotated and shared
    /// by hosts that share the file. Replaces any store registered before.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="path">The key ring file.</param>
    /// <param name="rootKey">Returns the 256-bit root key (from a vault or the environment); called on each load and save.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddFileKeyRingStore(this IServiceCollection services, string path, Func<IServiceProvider, byte[]> rootKey)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(rootKey);
        services.RemoveAll<IKeyRingStore>();
        services.AddSingleton<IKeyRingStore>(sp => new FileKeyRingStore(path, () => rootKey(sp)));
        return services;
    }

    /// <summary>Keeps the key ring in process memory (tests, single-process hosts). Replaces any store registered before.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="initial">The ring to start with; none (create on first use) when omitted.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddInMemoryKeyRingStore(this IServiceCollection services, KeyRing? initial = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.RemoveAll<IKeyRingStore>();
        services.AddSingleton<IKeyRingStore>(new InMemoryKeyRingStore(initial));
        return services;
    }
}
