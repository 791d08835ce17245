using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Infrastructure;
using VersionedEnvelope;
using VersionedEnvelope.EntityFrameworkCore.Internal;
using VersionedEnvelope.EntityFrameworkCore.Reencryption;

// In EF Core's namespace, beside the context's other extension methods.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Re-encryption and key usage counts over an entity's encrypted properties, in SQL.</summary>
public static class EncryptedEntityDbContextExtensions
{
    /// <summary>
    /// Moves every encrypted property of <typeparamref name="TEntity"/> to the active key version, one batch after
    /// another with this context.
    /// </summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="context">A context configured with <c>UseVersionedEnvelope</c>.</param>
    /// <param name="options">Batch size, checkpoint, progress; defaults when omitted.</param>
    /// <param name="cancellationToken">Stops the run; committed batches stay committed.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="NotSupportedException">The entity's primary key has more than one column.</exception>
    /// <remarks>
    /// Pages by primary key (keyset, never OFFSET) over stale rows only (by the <c>keyVersion</c> column when there is
    /// one, else by the text header); each batch is one transaction with its checkpoint. VE1 values are rewrapped (only
    /// the data key; the plaintext is never materialised), legacy values decrypted and encrypted anew. A row the
    /// application changed while its batch ran is not overwritten: it counts as skipped, and the next pass sees it.
    /// Resumable and idempotent: run it again, or pass the last checkpoint. Cancellation rolls back the batch in
    /// flight.
    /// </remarks>
    public static Task<ReencryptionSummary> ReencryptAsync<TEntity>(
        this DbContext context,
        EntityReencryptionOptions? options = null,
        CancellationToken cancellationToken = default)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(context);
        options ??= new EntityReencryptionOptions();
        if (options.ClaimedKeyRanges is not null)
        {
            throw new ArgumentException(
                "A run shared by claimed key ranges needs a context per range: call ReencryptAsync on an IDbContextFactory.", nameof(options));
        }

        var map = EncryptedTableMap.For(context, typeof(TEntity));
        var run = new EntityReencryptionRun(map, new CiphertextRewrite(map, options), options);
        return run.RunAsync(context, cancellationToken);
    }

    /// <summary>
    /// Re-encrypts as the <see cref="DbContext"/> form does, with a new context for each batch, so several batches are
    /// written at once.
    /// </summary>
    /// <typeparam name="TContext">The context.</typeparam>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="contextFactory">Creates the contexts.</param>
    /// <param name="options">Batch size, parallelism, checkpoint, progress; defaults when omitted.</param>
    /// <param name="cancellationToken">Stops the run; committed batches stay committed.</param>
    /// <returns>What the run did (with claimed key ranges: what this host did).</returns>
    /// <exception cref="NotSupportedException">Claimed key ranges on a database other than PostgreSQL.</exception>
    /// <exception cref="InvalidOperationException">The claimed key ranges' run id names a run of another table.</exception>
    /// <remarks>
    /// Up to <see cref="ReencryptionRunOptions.MaxDegreeOfParallelism"/> batches are written while the next page is
    /// read. With <see cref="EntityReencryptionOptions.ClaimedKeyRanges"/> (PostgreSQL) the run is shared with every
    /// host that joins it: this host claims key ranges until every range is done, and its summary counts the rows it
    /// did.
    /// </remarks>
    public static async Task<ReencryptionSummary> ReencryptAsync<TContext, TEntity>(
        this IDbContextFactory<TContext> contextFactory,
        EntityReencryptionOptions? options = null,
        CancellationToken cancellationToken = default)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(contextFactory);
        EncryptedTableMap map;
        var first = await contextFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (first.ConfigureAwait(false))
        {
            map = EncryptedTableMap.For(first, typeof(TEntity));
        }

        options ??= new EntityReencryptionOptions();
        async Task<DbContext> CreateContext(CancellationToken ct) => await contextFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        if (options.ClaimedKeyRanges is { } ranges)
        {
            var shared = new ClaimedKeyRangeRun(map, new CiphertextRewrite(map, options), options, ranges);
            return await shared.RunAsync(CreateContext, cancellationToken).ConfigureAwait(false);
        }

        var run = new EntityReencryptionRun(map, new CiphertextRewrite(map, options), options);
        return await run.RunAsync(CreateContext, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts an encrypted property's values by the key version in their headers, with one SQL query (no value is
    /// loaded or decrypted for text columns; binary columns are read header by header).
    /// </summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="context">A context configured with <c>UseVersionedEnvelope</c>.</param>
    /// <param name="property">The encrypted property, for example <c>p => p.ApiKey</c>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The counts (null values are not counted).</returns>
    /// <remarks>
    /// The result is the evidence <c>KeyRingManager.DestroyAsync</c> asks for. Text values without a VE1 header count
    /// as possibly legacy.
    /// </remarks>
    public static async Task<KeyUsageInventory> GetKeyUsageAsync<TEntity>(
        this DbContext context,
        Expression<Func<TEntity, object?>> property,
        CancellationToken cancellationToken = default)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var (map, column) = Column(context, property);
        return await ColumnKeyUsage.CountAsync(context, map, column, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts an encrypted property's non-null values by its <c>keyVersion</c> column with <c>GROUP BY</c> (an index makes
    /// it cheap at any size): what a dashboard polls. Trusts the column; <see cref="GetKeyUsageAsync{TEntity}"/> reads the headers.
    /// </summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="context">A context configured with <c>UseVersionedEnvelope</c>.</param>
    /// <param name="property">The encrypted property, which must have a key version property.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>Rows per key version, ascending.</returns>
    public static async Task<IReadOnlyDictionary<int, long>> CountByKeyVersionAsync<TEntity>(
        this DbContext context,
        Expression<Func<TEntity, object?>> property,
        CancellationToken cancellationToken = default)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var (map, column) = Column(context, property);
        string keyVersion = column.KeyVersionColumn
            ?? throw new InvalidOperationException($"{typeof(TEntity).Name}.{column.Property} has no key version property: use GetKeyUsageAsync, which reads "
                + $"the headers.");
        var counts = new SortedDictionary<int, long>();
        await ContextCommand.RunAsync(
            context,
            async command =>
            {
                command.CommandText = $"SELECT {keyVersion}, COUNT(*) FROM {map.Table} WHERE {column.Column} IS NOT NULL AND {keyVersion} IS NOT NULL GROUP "
                    + $"BY {keyVersion}";
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerLifetime = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    counts[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = VersionPrefixCounts.Count(reader, 1);
                }

                return counts;
            },
            cancellationToken).ConfigureAwait(false);

        return counts;
    }

    /// <summary>
    /// Where a re-encryption run shared by claimed key ranges stands (PostgreSQL): ranges done of the total, rows rewritten,
    /// and which hosts hold ranges now. A run no host has planned yet (or a missing table) reads as zero ranges.
    /// </summary>
    /// <param name="context">A context on the database.</param>
    /// <param name="runId">The run, as <see cref="ClaimedKeyRangeOptions.RunId"/> names it.</param>
    /// <param name="tableName">The table of ranges; <see cref="ClaimedKeyRangeOptions.DefaultTableName"/> when omitted.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The run's status.</returns>
    public static Task<ClaimedKeyRangeStatus> GetClaimedKeyRangesAsync(
        this DbContext context,
        string runId,
        string tableName = ClaimedKeyRangeOptions.DefaultTableName,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        return ClaimedKeyRangeTable.ReadStatusAsync(context, runId, tableName, cancellationToken);
    }

    private static (EncryptedTableMap Map, EncryptedColumnMap Column) Column<TEntity>(DbContext context, Expression<Func<TEntity, object?>> property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var body = property.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : property.Body;
        string name = body is MemberExpression member
            ? member.Member.Name
            : throw new ArgumentException("Name an encrypted property, for example p => p.ApiKey.", nameof(property));
        var map = EncryptedTableMap.For(context, typeof(TEntity), name);
        return (map, map.Columns[0]);
    }
}
