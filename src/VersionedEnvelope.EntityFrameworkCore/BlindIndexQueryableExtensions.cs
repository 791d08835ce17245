using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Query;
using VersionedEnvelope.EntityFrameworkCore.Internal;

// In EF Core's namespace, beside Where and FirstOrDefaultAsync, where queries are written.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Finds rows by an encrypted value through its blind index (<c>HasBlindIndex</c>).</summary>
/// <remarks>
/// The index is truncated, so several values may share one: <see cref="WhereBlindIndex"/> can return rows whose value
/// differs, and callers drop them after decrypting. <see cref="FirstOrDefaultBlindAsync"/> and <see
/// cref="ToListBlindAsync"/> do that for you.
/// </remarks>
public static class BlindIndexQueryableExtensions
{
    /// <summary>
    /// Keeps the rows whose blind index matches <paramref name="value"/> under any index key version in the ring (<c>IN
    /// (…)</c>), so lookups work in the middle of an index key rotation.
    /// </summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="source">A query on the entity's set (for example <c>db.Users</c>).</param>
    /// <param name="property">The encrypted property with a blind index, for example <c>u => u.Email</c>.</param>
    /// <param name="value">The value to find; not null (a null value has no index: query <c>u.Email == null</c> instead).</param>
    /// <returns>The filtered query.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The property has no blind index, or the query is not on an entity set.</exception>
    /// <exception cref="VersionedEnvelope.EnvelopeException">The key ring has no index key (<c>UnknownKeyVersion</c>).</exception>
    /// <remarks>
    /// The value is normalised as the index is. The result may hold rows with another value that shares the truncated
    /// index (false positives): compare the decrypted property, or use <see cref="FirstOrDefaultBlindAsync"/> / <see
    /// cref="ToListBlindAsync"/>.
    /// </remarks>
    public static IQueryable<TEntity> WhereBlindIndex<TEntity>(this IQueryable<TEntity> source, Expression<Func<TEntity, string>> property, string value)
        where TEntity : class
    {
        var (codec, _) = Resolve(source, property, value);
        return Filter(source, codec, value);
    }

    /// <summary>The rows whose index column holds the value's index under any index key version in the ring.</summary>
    private static IQueryable<TEntity> Filter<TEntity>(IQueryable<TEntity> source, EncryptedColumnCodec codec, string value)
    {
        string[] indexes = [.. codec.ComputeLookup(value)];
        var entity = Expression.Parameter(typeof(TEntity), "e");
        var stored = Expression.Call(typeof(EF), nameof(EF.Property), [typeof(string)], entity, Expression.Constant(codec.BlindIndex!.IndexProperty));
        var closure = new LookupValues(indexes);
        var values = Expression.Property(Expression.Constant(closure), nameof(LookupValues.Indexes));
        var contains = Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [typeof(string)], values, stored);
        return source.Where(Expression.Lambda<Func<TEntity, bool>>(contains, entity));
    }

    /// <summary>
    /// The first row whose decrypted <paramref name="property"/>, normalised, equals <paramref name="value"/> normalised:
    /// found by the blind index, then compared exactly, so a row that only shares the truncated index is never returned.
    /// </summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="source">A query on the entity's set.</param>
    /// <param name="property">The encrypted property with a blind index.</param>
    /// <param name="value">The value to find; not null.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The row, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The property has no blind index, or the query is not on an entity set.</exception>
    public static async Task<TEntity?> FirstOrDefaultBlindAsync<TEntity>(
        this IQueryable<TEntity> source,
        Expression<Func<TEntity, string>> property,
        string value,
        CancellationToken cancellationToken = default)
        where TEntity : class
    {
        var (candidates, isMatch) = Exact(source, property, value);
        await foreach (var candidate in candidates.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (isMatch(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Every row whose decrypted <paramref name="property"/>, normalised, equals <paramref name="value"/> normalised (false
    /// positives dropped).
    /// </summary>
    /// <typeparam name="TEntity">The entity.</typeparam>
    /// <param name="source">A query on the entity's set.</param>
    /// <param name="property">The encrypted property with a blind index.</param>
    /// <param name="value">The value to find; not null.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The rows.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The property has no blind index, or the query is not on an entity set.</exception>
    public static async Task<List<TEntity>> ToListBlindAsync<TEntity>(
        this IQueryable<TEntity> source,
        Expression<Func<TEntity, string>> property,
        string value,
        CancellationToken cancellationToken = default)
        where TEntity : class
    {
        var (candidates, isMatch) = Exact(source, property, value);
        return (await candidates.ToListAsync(cancellationToken).ConfigureAwait(false)).FindAll(isMatch);
    }

    /// <summary>The rows the index finds, and whether a row's decrypted value, normalised, is the value normalised.</summary>
    private static (IQueryable<TEntity> Candidates, Predicate<TEntity> IsMatch) Exact<TEntity>(
        IQueryable<TEntity> source,
        Expression<Func<TEntity, string>> property,
        string value)
    {
        var (codec, getter) = Resolve(source, property, value);
        string wanted = codec.Normalize(value);
        return (
            Filter(source, codec, value),
            candidate => getter.GetValue(candidate) is string found && string.Equals(codec.Normalize(found), wanted, StringComparison.Ordinal));
    }

    private static (EncryptedColumnCodec Codec, PropertyInfo Getter) Resolve<TEntity>(
        IQueryable<TEntity> source,
        Expression<Func<TEntity, string>> property,
        string value)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(property);
        if (value is null)
        {
            throw new ArgumentNullException(nameof(value), "A null value has no blind index, so it cannot be looked up by one; query the property for null "
                + "instead.");
        }

        var getter = property.Body is MemberExpression { Member: PropertyInfo info } ? info
            : throw new ArgumentException("Name the entity's encrypted property, for example u => u.Email.", nameof(property));
        var entityType = EntityTypeOf(source.Expression)
            ?? throw new InvalidOperationException($"WhereBlindIndex needs a query on an entity set of a DbContext (for example "
                + $"db.Set<{typeof(TEntity).Name}>()).");
        var codec = entityType.FindProperty(getter.Name) is { } mapped ? EncryptionSaveChangesInterceptor.GetCodec(mapped) : null;
        if (codec?.BlindIndex is null)
        {
            throw new InvalidOperationException($"{entityType.ShortName()}.{getter.Name} has no blind index: declare one with "
                + $"IsEncrypted().HasBlindIndex(\"column\").");
        }

        return (codec, getter);
    }

    /// <summary>The entity type at the root of an EF Core query.</summary>
    private static IEntityType? EntityTypeOf(Expression expression)
    {
        var finder = new RootFinder();
        finder.Visit(expression);
        return finder.EntityType;
    }

    private sealed class RootFinder : ExpressionVisitor
    {
        public IEntityType? EntityType { get; private set; }

        protected override Expression VisitExtension(Expression node)
        {
            if (node is EntityQueryRootExpression root)
            {
                EntityType ??= root.EntityType;
                return node;
            }

            return base.VisitExtension(node);
        }
    }

    /// <summary>Holds the indexes so EF Core sends them as one parameter (and caches one query plan) instead of as constants.</summary>
    private sealed class LookupValues(string[] indexes)
    {
        public string[] Indexes { get; } = indexes;
    }
}
