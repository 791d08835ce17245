using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VersionedEnvelope;
using VersionedEnvelope.Storage;

// In the DI namespace by convention, so 'services.AddVersionedEnvelope' needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the envelope encryptor.</summary>
public static class VersionedEnvelopeServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IEnvelopeEncryptor"/>, <see cref="KeyRingManager"/> (also as <see cref="IKeyRingProvider"/>)
    /// and <see cref="BatchReencryptor"/> as singletons, validated <see cref="EnvelopeEncryptorOptions"/> and
    /// <see cref="KeyRingOptions"/>, and a hosted service that loads the key ring when the host starts, so no request
    /// waits for storage. Say where the key ring lives on the returned builder (<c>PersistKeysToFile</c>,
    /// <c>UseInMemoryKeyRing</c>, <c>UseStaticKeys</c>). Uses <c>TryAdd*</c>: calling it twice is harmless.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the encryptor's options (they may also be bound from configuration).</param>
    /// <returns>The builder, to choose the key ring's store.</returns>
    public static IVersionedEnvelopeBuilder AddVersionedEnvelope(this IServiceCollection services, Action<EnvelopeEncryptorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var encryptorOptions = services.AddOptions<EnvelopeEncryptorOptions>();
        if (configure is not null)
        {
            encryptorOptions.Configure(configure);
        }

        encryptorOptions.ValidateOnStart();
        services.AddOptions<KeyRingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EnvelopeEncryptorOptions>, EnvelopeEncryptorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeyRingOptions>, KeyRingOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new KeyRingManager(
            sp.GetService<IKeyRingStore>() ?? throw new InvalidOperationException(
                "VersionedEnvelope has no key ring: say where it lives on the builder AddVersionedEnvelope returns, for example .PersistKeysToFile(path, rootKey), .UseInMemoryKeyRing() or .UseStaticKeys(...)."),
            sp.GetRequiredService<IOptions<KeyRingOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<KeyRingManager>>()));
        services.TryAddSingleton<IKeyRingProvider>(sp => sp.GetRequiredService<KeyRingManager>());
        services.TryAddSingleton<IEnvelopeEncryptor>(sp => new EnvelopeEncryptor(
            sp.GetRequiredService<IKeyRingProvider>(),
            sp.GetRequiredService<IOptions<EnvelopeEncryptorOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KeyRingLoader>());
        services.TryAddSingleton(sp => new BatchReencryptor(sp.GetRequiredService<IEnvelopeEncryptor>(), sp.GetRequiredService<TimeProvider>()));
        return new VersionedEnvelopeBuilder(services);
    }

    /// <summary>Configures how the key ring refreshes from its store and whether an empty store gets a first ring.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Configures the options (they may also be bound from configuration).</param>
    /// <returns>The same builder.</returns>
    public static IVersionedEnvelopeBuilder ConfigureKeyRing(this IVersionedEnvelopeBuilder builder, Action<KeyRingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Keeps the key ring in a JSON file whose key material is sealed under a root key, so it can be rotated and shared
    /// by hosts that share the file. Replaces any store chosen before.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The key ring file.</param>
    /// <param name="rootKey">Returns the 256-bit root key (from a vault or the environment); called on each load and save.</param>
    /// <returns>The same builder.</returns>
    public static IVersionedEnvelopeBuilder PersistKeysToFile(this IVersionedEnvelopeBuilder builder, string path, Func<IServiceProvider, byte[]> rootKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(rootKey);
        return UseStore(builder, sp => new FileKeyRingStore(path, () => rootKey(sp)));
    }

    /// <summary>Keeps the key ring in process memory (tests, single-process hosts). Replaces any store chosen before.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="initial">The ring to start with; when omitted, a first ring is created on first use.</param>
    /// <returns>The same builder.</returns>
    public static IVersionedEnvelopeBuilder UseInMemoryKeyRing(this IVersionedEnvelopeBuilder builder, KeyRing? initial = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (initial is null)
        {
            builder.Services.Configure<KeyRingOptions>(o => o.CreateKeyRingIfMissing = true);
        }

        return UseStore(builder, _ => new InMemoryKeyRingStore(initial));
    }

    /// <summary>
    /// Uses a static key ring from <see cref="StaticKeyRingOptions"/> (keys by version and the active one, typically bound
    /// from configuration), for hosts that manage keys elsewhere. Validated at start-up; it cannot be rotated in place.
    /// Replaces any store chosen before.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the keys and the active version (they may also be bound from configuration).</param>
    /// <returns>The same builder.</returns>
    public static IVersionedEnvelopeBuilder UseStaticKeys(this IVersionedEnvelopeBuilder builder, Action<StaticKeyRingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<StaticKeyRingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StaticKeyRingOptions>, StaticKeyRingOptionsValidator>());
        return UseStore(builder, sp => new StaticKeyRingStore(VersionedEnvelope.Internal.OptionsChecks.BuildStaticRing(
            sp.GetRequiredService<IOptions<StaticKeyRingOptions>>().Value, sp.GetRequiredService<TimeProvider>())));
    }

    /// <summary>Makes a store the key ring's home, replacing any chosen before (for companion packages' stores).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="store">Creates the store.</param>
    /// <returns>The same builder.</returns>
    public static IVersionedEnvelopeBuilder UseKeyRingStore(this IVersionedEnvelopeBuilder builder, Func<IServiceProvider, IKeyRingStore> store) =>
        UseStore(builder, store);

    private static IVersionedEnvelopeBuilder UseStore(IVersionedEnvelopeBuilder builder, Func<IServiceProvider, IKeyRingStore> store)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        builder.Services.RemoveAll<IKeyRingStore>();
        builder.Services.AddSingleton(store);
        return builder;
    }
}
