using System.Diagnostics.CodeAnalysis;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope;
using VersionedEnvelope.EntityFrameworkCore.Internal;

// In EF Core's namespace, beside UseSqlite and UseNpgsql, where a context's options are configured.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Turns on encrypted properties for a context: <c>optionsBuilder.UseVersionedEnvelope(serviceProvider)</c>.</summary>
public static class VersionedEnvelopeDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Encrypts the context's encrypted properties with the application's <see cref="IEnvelopeEncryptor"/> and keeps
    /// their <c>keyVersion</c> properties in step.
    /// </summary>
    /// <param name="optionsBuilder">The context's options.</param>
    /// <param name="serviceProvider">The application's services.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// The properties are marked with <c>IsEncrypted()</c> or <c>[Encrypted]</c>; the encryptor is the one
    /// <c>AddVersionedEnvelope()</c> registered. Call it in <c>AddDbContext((sp, options) => …)</c>.
    /// </remarks>
    public static DbContextOptionsBuilder UseVersionedEnvelope(this DbContextOptionsBuilder optionsBuilder, IServiceProvider serviceProvider)
    {
        ArgumentNullException.ThrowIfNull(serviceProvider);
        return UseVersionedEnvelope(optionsBuilder, serviceProvider.GetRequiredService<IEnvelopeEncryptor>(), serviceProvider.GetService<IKeyRingProvider>());
    }

    /// <summary>Encrypts the context's encrypted properties with the given encryptor.</summary>
    /// <param name="optionsBuilder">The context's options.</param>
    /// <param name="encryptor">The encryptor (use one instance for the application's lifetime: each gets its own model).</param>
    /// <param name="keyRing">The ring behind the encryptor, so key usage counts cover every version in it; optional.</param>
    /// <returns>The same builder.</returns>
    public static DbContextOptionsBuilder UseVersionedEnvelope(
        this DbContextOptionsBuilder optionsBuilder,
        IEnvelopeEncryptor encryptor,
        IKeyRingProvider? keyRing = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        ArgumentNullException.ThrowIfNull(encryptor);
        ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(new EncryptionOptionsExtension(encryptor, keyRing));
        return optionsBuilder.AddInterceptors(EncryptionSaveChangesInterceptor.Instance);
    }

    /// <summary>Encrypts the context's encrypted properties with the application's encryptor (keeps the builder's type).</summary>
    /// <typeparam name="TContext">The context.</typeparam>
    /// <param name="optionsBuilder">The context's options.</param>
    /// <param name="serviceProvider">The application's services.</param>
    /// <returns>The same builder.</returns>
    public static DbContextOptionsBuilder<TContext> UseVersionedEnvelope<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        IServiceProvider serviceProvider)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseVersionedEnvelope((DbContextOptionsBuilder)optionsBuilder, serviceProvider);

    /// <summary>Encrypts the context's encrypted properties with the given encryptor (keeps the builder's type).</summary>
    /// <typeparam name="TContext">The context.</typeparam>
    /// <param name="optionsBuilder">The context's options.</param>
    /// <param name="encryptor">The encryptor (use one instance for the application's lifetime: each gets its own model).</param>
    /// <param name="keyRing">The ring behind the encryptor, so key usage counts cover every version in it; optional.</param>
    /// <returns>The same builder.</returns>
    public static DbContextOptionsBuilder<TContext> UseVersionedEnvelope<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        IEnvelopeEncryptor encryptor,
        IKeyRingProvider? keyRing = null)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseVersionedEnvelope((DbContextOptionsBuilder)optionsBuilder, encryptor, keyRing);
}
