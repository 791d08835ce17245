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
    /// Registers the encryptor, the key ring manager, the batch re-encryptor and the hosted service that loads the ring
    /// at start and runs its lifecycle.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the encryptor's options (they may also be bound from configuration).</param>
    /// <returns>The builder, to choose the key ring's store.</returns>
    /// <remarks>
    /// <see cref="IEnvelopeEncryptor"/>, <see cref="KeyRingManager"/> (also as <see cref="IKeyRingProvider"/>) and <see
    /// cref="BatchReencryptor"/> are singletons; <see cref="EnvelopeEncryptorOptions"/> and <see
    /// cref="KeyRingOptions"/> are validated at start. Say where the key ring lives on the returned builder
    /// (<c>PersistKeysToFile</c>, <c>UseInMemoryKeyRing</c>, <c>UseStaticKeys</c>). Uses <c>TryAdd*</c>: calling it
    /// twice is harmless.
    /// </remarks>
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
        services.TryAddSingleton(sp => new KeyRingProtection(sp.GetServices<IKeyRingProtector>()));
        services.TryAddSingleton(sp => new KeyRingManager(
            sp.GetService<IKeyRingStore>() ?? throw new InvalidOperationException(
                "VersionedEnvelope has no key ring: say where it lives on the builder AddVersionedEnvelope returns, for example .PersistKeysToFile(path, "
                    + "rootKey), .UseInMemoryKeyRing() or .UseStaticKeys(...)."),
            sp.GetRequiredService<IOptions<KeyRingOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<KeyRingManager>>()));
        services.TryAddSingleton<IKeyRingProvider>(sp => sp.GetRequiredService<KeyRingManager>());
        // One encryptor: the interface for message APIs, the class for the stream APIs (EncryptAsync(Stream, Stream) and its kin).
        services.TryAddSingleton(sp => new EnvelopeEncryptor(
            sp.GetRequiredService<IKeyRingProvider>(),
            sp.GetRequiredService<IOptions<EnvelopeEncryptorOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IEnvelopeEncryptor>(sp => sp.GetRequiredService<EnvelopeEncryptor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KeyRingLifecycle>());
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

    /// <summary>Adds a place where ciphertexts are stored that can count them by key version.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="source">The source.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// With <see cref="KeyRingOptions.RetireWhenUnused"/>, a version is retired automatically once every source added
    /// counts none under it. The EF Core package adds one for a context's encrypted columns
    /// (<c>AddKeyUsageSource&lt;TContext&gt;()</c>).
    /// </remarks>
    public static IVersionedEnvelopeBuilder AddKeyUsageSource(this IVersionedEnvelopeBuilder builder, IKeyUsageSource source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        builder.Services.AddSingleton(source);
        return builder;
    }

    /// <summary>
    /// Adds a protector of the key ring at rest (an HSM key, a KMS key): every save wraps the ring key with each
    /// protector added, and any one of them opens the ring.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="protector">The protector.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// Call it again to add another (for example a new HSM key beside the old one while you move). Protection is apart
    /// from persistence: combine it with any <c>PersistKeysTo…</c>.
    /// </remarks>
    public static IVersionedEnvelopeBuilder ProtectKeysWith(this IVersionedEnvelopeBuilder builder, IKeyRingProtector protector)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(protector);
        builder.Services.AddSingleton(protector);
        return builder;
    }

    /// <summary>As <see cref="ProtectKeysWith(IVersionedEnvelopeBuilder, IKeyRingProtector)"/>, with a protector made from the services.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="protector">Makes the protector, once.</param>
    /// <returns>The builder.</returns>
    public static IVersionedEnvelopeBuilder ProtectKeysWith(this IVersionedEnvelopeBuilder builder, Func<IServiceProvider, IKeyRingProtector> protector)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(protector);
        builder.Services.AddSingleton(protector);
        return builder;
    }

    /// <summary>
    /// Protects the key ring with a 256-bit root key held by the process (<see cref="RootKeyProtector"/>); the key is
    /// asked for on each save and load, and cleared after use. Prefer an HSM or KMS protector in production.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="rootKey">Returns the root key.</param>
    /// <returns>The builder.</returns>
    public static IVersionedEnvelopeBuilder ProtectKeysWithRootKey(this IVersionedEnvelopeBuilder builder, Func<IServiceProvider, byte[]> rootKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(rootKey);
        return builder.ProtectKeysWith(sp => new RootKeyProtector(() => rootKey(sp)));
    }

    /// <summary>
    /// Keeps the key ring in a file shared by the hosts that can reach it, sealed by the protectors added with
    /// <c>ProtectKeysWith…</c> (at least one).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The key ring file.</param>
    /// <returns>The builder.</returns>
    public static IVersionedEnvelopeBuilder PersistKeysToFile(this IVersionedEnvelopeBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return UseStore(builder, sp => new FileKeyRingStore(path, sp.GetRequiredService<KeyRingProtection>()));
    }

    /// <summary>
    /// Keeps the key ring in a file protected by a root key: a shortcut for <see cref="ProtectKeysWithRootKey"/> and
    /// <see cref="PersistKeysToFile(IVersionedEnvelopeBuilder, string)"/>. Replaces any store chosen before.
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
        return builder.ProtectKeysWithRootKey(rootKey).PersistKeysToFile(path);
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
    /// Uses a static key ring from <see cref="StaticKeyRingOptions"/> (keys by version and the active one, typically
    /// bound from configuration), for hosts that manage keys elsewhere.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the keys and the active version (they may also be bound from configuration).</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// Validated at start-up; it cannot be rotated in place. Replaces any store chosen before.
    /// </remarks>
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
        return UseStore(builder, sp => new StaticKeyRingStore(VersionedEnvelope.Internal.StaticKeyRings.BuildStaticRing(
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
