using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope.EntityFrameworkCore.Storage;

namespace VersionedEnvelope;

/// <summary>Keeps the key ring in the host's database: <c>AddVersionedEnvelope().PersistKeysToDbContext&lt;TContext&gt;(…)</c>.</summary>
public static class VersionedEnvelopeBuilderEntityFrameworkCoreExtensions
{
    /// <summary>
    /// Keeps the key ring in a row of <typeparamref name="TContext"/>'s database, shared by every host, sealed by the
    /// protectors added with <c>ProtectKeysWith…</c> (at least one; <c>ProtectKeysWithPkcs11</c> for an HSM).
    /// </summary>
    /// <typeparam name="TContext">The application's context, which maps <see cref="VersionedEnvelopeKeyRing"/>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="ringName">The row's name; <c>default</c> when omitted.</param>
    /// <returns>The builder.</returns>
    public static IVersionedEnvelopeBuilder PersistKeysToDbContext<TContext>(
        this IVersionedEnvelopeBuilder builder,
        string ringName = DbContextKeyRingStore<TContext>.DefaultRingName)
        where TContext : DbContext, IKeyRingDbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(ringName);
        return builder.UseKeyRingStore(sp => new DbContextKeyRingStore<TContext>(
            sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<KeyRingProtection>(), ringName));
    }

    /// <summary>
    /// Keeps the key ring in a row of <typeparamref name="TContext"/>'s database, protected by a root key.
    /// </summary>
    /// <typeparam name="TContext">The host's context, implementing <see cref="IKeyRingDbContext"/>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="rootKey">Returns the 256-bit root key (from a vault or the environment); the store clears the array after use.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// A shortcut for <c>ProtectKeysWithRootKey(rootKey)</c> and <see
    /// cref="PersistKeysToDbContext{TContext}(IVersionedEnvelopeBuilder, string)"/>. Changes run under the row's lock,
    /// so hosts rotating at once never lose a version or an audit event. Replaces any store chosen before.
    /// <typeparamref name="TContext"/> must be registered (<c>AddDbContext</c>).
    /// <para/>
    /// The ring's row is named <c>default</c>; to name another, combine <c>ProtectKeysWithRootKey</c> with the other
    /// overload.
    /// </remarks>
    public static IVersionedEnvelopeBuilder PersistKeysToDbContext<TContext>(
        this IVersionedEnvelopeBuilder builder,
        Func<IServiceProvider, byte[]> rootKey)
        where TContext : DbContext, IKeyRingDbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(rootKey);
        return builder.ProtectKeysWithRootKey(rootKey).PersistKeysToDbContext<TContext>();
    }

    /// <summary>
    /// Counts the encrypted columns of <typeparamref name="TContext"/> for automatic retirement
    /// (<c>KeyRingOptions.RetireWhenUnused</c>): a version is retired once this and every other source added count none under it.
    /// </summary>
    /// <typeparam name="TContext">A context configured with <c>UseVersionedEnvelope</c>, registered with <c>AddDbContext</c>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder.</returns>
    public static IVersionedEnvelopeBuilder AddKeyUsageSource<TContext>(this IVersionedEnvelopeBuilder builder)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IKeyUsageSource>(sp => new DbContextKeyUsageSource<TContext>(sp.GetRequiredService<IServiceScopeFactory>()));
        return builder;
    }
}
