using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope.EntityFrameworkCore.Storage;

namespace VersionedEnvelope;

/// <summary>Keeps the key ring in the host's database: <c>AddVersionedEnvelope().PersistKeysToDbContext&lt;TContext&gt;(…)</c>.</summary>
public static class VersionedEnvelopeBuilderEntityFrameworkCoreExtensions
{
    /// <summary>
    /// Keeps the key ring in a row of <typeparamref name="TContext"/>'s database, shared by every host that uses it; key
    /// material is sealed under the root key exactly as the file store seals it. Saves use optimistic concurrency on the
    /// row's revision, so hosts rotating at once never lose a version or an audit event. Each host picks up another's
    /// rotation on its refresh interval (<c>ConfigureKeyRing</c>) and at once when it meets an unknown version.
    /// Replaces any store chosen before. <typeparamref name="TContext"/> must be registered (<c>AddDbContext</c>).
    /// </summary>
    /// <typeparam name="TContext">The host's context, implementing <see cref="IKeyRingDbContext"/>.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="rootKey">Returns the 256-bit root key (from a vault or the environment); the store clears the array after use.</param>
    /// <param name="ringName">The ring's row name, when several rings share the table; <c>default</c> when omitted.</param>
    /// <returns>The same builder.</returns>
    public static IVersionedEnvelopeBuilder PersistKeysToDbContext<TContext>(
        this IVersionedEnvelopeBuilder builder,
        Func<IServiceProvider, byte[]> rootKey,
        string ringName = DbContextKeyRingStore<TContext>.DefaultRingName)
        where TContext : DbContext, IKeyRingDbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(rootKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(ringName);
        return builder.UseKeyRingStore(sp => new DbContextKeyRingStore<TContext>(
            sp.GetRequiredService<IServiceScopeFactory>(), () => rootKey(sp), ringName));
    }
}
