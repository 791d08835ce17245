using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VersionedEnvelope.EntityFrameworkCore.Internal;

namespace VersionedEnvelope.EntityFrameworkCore.Storage;

/// <summary>
/// Counts every encrypted column of a context by the key version in the values' headers, one SQL query per column (text
/// columns are counted in the database; binary ones header by header): the proof automatic retirement asks for.
/// </summary>
/// <typeparam name="TContext">A context configured with <c>UseVersionedEnvelope</c>.</typeparam>
/// <param name="scopes">Creates the scope the count resolves <typeparamref name="TContext"/> in.</param>
public sealed class DbContextKeyUsageSource<TContext>(IServiceScopeFactory scopes) : IKeyUsageSource
    where TContext : DbContext
{
    private readonly IServiceScopeFactory _scopes = scopes ?? throw new ArgumentNullException(nameof(scopes));

    /// <inheritdoc />
    public string Name => typeof(TContext).Name;

    /// <inheritdoc />
    public async Task<KeyUsageInventory> CountAsync(CancellationToken cancellationToken = default)
    {
        using var scope = _scopes.CreateScope();
        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        var inventory = new KeyUsageInventory();
        var encrypted = context.Model.GetEntityTypes().Where(e => e.GetProperties().Any(p => EncryptionSaveChangesInterceptor.GetCodec(p) is not null));
        foreach (var entityType in encrypted)
        {
            var map = EncryptedTableMap.For(context, entityType.ClrType);
            foreach (var column in map.Columns)
            {
                inventory.Add(await ColumnKeyUsage.CountAsync(context, map, column, cancellationToken).ConfigureAwait(false));
            }
        }

        return inventory;
    }
}
