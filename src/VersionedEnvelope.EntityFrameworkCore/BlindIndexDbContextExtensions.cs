using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using VersionedEnvelope;
using VersionedEnvelope.EntityFrameworkCore.Internal;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

// In EF Core's namespace, beside the context's other extension methods.
namespace Microsoft.EntityFrameworkCore;

/// <summary>
/// Maintains blind indexes in SQL: the backfill that fills new indexes and moves them to the newest index key, and the
/// inventory that shows when an old index key may be retired.
/// </summary>
public static class BlindIndexDbContextExtensions
{
    /// <summary>Writes the blind index of every row whose index is missing or under an older index key.</summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="context">The context.</param>
    /// <param name="property">The encrypted property with the blind index, for example <c>u => u.Email</c>.</param>
    /// <param name="options">Batch size, checkpoint, progress, per-batch hook; defaults when omitted.</param>
    /// <param name="cancellationToken">Stops the run; committed batches stay committed.</param>
    /// <returns>
    /// What the run did: <see cref="ReencryptionSummary.Rewrapped"/> counts the indexes written and
    /// <see cref="ReencryptionSummary.ActiveVersion"/> is the index key version.
    /// </returns>
    /// <exception cref="InvalidOperationException">The property has no blind index.</exception>
    /// <remarks>
    /// After <see cref="KeyRingManager.RotateIndexKeyAsync"/>, or when the index was added to rows already stored. It
    /// runs on the re-encryption pipeline: keyset pages by primary key, each batch one transaction with its checkpoint,
    /// each write conditional on the ciphertext and index read (a row the application changed meanwhile is skipped, and
    /// its save wrote the index already), progress and failures as for re-encryption. Lookups work throughout: they ask
    /// for every index key version in the ring.
    /// </remarks>
    public static Task<ReencryptionSummary> BackfillBlindIndexAsync<TEntity>(
        this DbContext context,
        Expression<Func<TEntity, string>> property,
        EntityReencryptionOptions? options = null,
        CancellationToken cancellationToken = default)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(context);
        options ??= new EntityReencryptionOptions();
        var (map, column) = IndexedColumn(context, property);
        return new EntityReencryptionRun(map, new BlindIndexRewrite(column, column.BlindIndexColumn!), options).RunAsync(context, cancellationToken);
    }

    /// <summary>
    /// Backfills as the <see cref="DbContext"/> form does, with a new context for each batch, so several batches are
    /// written at once.
    /// </summary>
    /// <typeparam name="TContext">The context.</typeparam>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="contextFactory">Creates the contexts.</param>
    /// <param name="property">The encrypted property with the blind index.</param>
    /// <param name="options">Batch size, parallelism, checkpoint, progress; defaults when omitted.</param>
    /// <param name="cancellationToken">Stops the run; committed batches stay committed.</param>
    /// <returns>What the run did.</returns>
    /// <remarks>
    /// Up to <see cref="ReencryptionRunOptions.MaxDegreeOfParallelism"/> batches are written while the next page is
    /// read.
    /// </remarks>
    public static async Task<ReencryptionSummary> BackfillBlindIndexAsync<TContext, TEntity>(
        this IDbContextFactory<TContext> contextFactory,
        Expression<Func<TEntity, string>> property,
        EntityReencryptionOptions? options = null,
        CancellationToken cancellationToken = default)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(contextFactory);
        options ??= new EntityReencryptionOptions();
        EntityReencryptionRun run;
        var first = await contextFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (first.ConfigureAwait(false))
        {
            var (map, column) = IndexedColumn(first, property);
            run = new EntityReencryptionRun(map, new BlindIndexRewrite(column, column.BlindIndexColumn!), options);
        }

        return await run.RunAsync(async ct => await contextFactory.CreateDbContextAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts the stored blind indexes by index key version, in one query: the evidence <see
    /// cref="KeyRingManager.RetireIndexKeyAsync"/> asks for.
    /// </summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="context">The context.</param>
    /// <param name="property">The encrypted property with the blind index.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The counts by index key version.</returns>
    /// <remarks>
    /// Indexes that are not <c>bi1</c> text under a version issued so far count as malformed; rows without a value have
    /// no index and are not counted. A version the ring no longer has shows here too, with the rows lookups cannot find
    /// until a backfill moves them.
    /// </remarks>
    public static async Task<KeyUsageInventory> GetBlindIndexUsageAsync<TEntity>(
        this DbContext context,
        Expression<Func<TEntity, string>> property,
        CancellationToken cancellationToken = default)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var (map, column) = IndexedColumn(context, property);
        // Every index key version ever issued is 1 to the newest (retired ones included, in case rows were left under one).
        int[] versions = [.. Enumerable.Range(1, column.Codec.ActiveIndexKeyVersion)];
        var (total, _, perVersion) = await ContextCommand.RunAsync(
            context,
            command => VersionPrefixCounts.QueryAsync(command, map.Table, column.BlindIndexColumn!, "bi1", versions, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        // An index without the bi1 prefix is as unreadable as one under an unknown version: both count as malformed.
        return VersionPrefixCounts.ToInventory(total, withoutPrefix: 0, versions, perVersion);
    }

    private static (EncryptedTableMap Map, EncryptedColumnMap Column) IndexedColumn<TEntity>(DbContext context, Expression<Func<TEntity, string>> property)
    {
        ArgumentNullException.ThrowIfNull(property);
        string name = property.Body is MemberExpression member
            ? member.Member.Name
            : throw new ArgumentException("Name the entity's encrypted property, for example u => u.Email.", nameof(property));
        var map = EncryptedTableMap.For(context, typeof(TEntity), name);
        var column = map.Columns[0];
        return column.BlindIndexColumn is null
            ? throw new InvalidOperationException($"{typeof(TEntity).Name}.{name} has no blind index: declare one with "
                + $"IsEncrypted().HasBlindIndex(\"column\").")
            : (map, column);
    }
}
