using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>Runs SQL the model does not map on a context's own connection, in its transaction when it has one.</summary>
internal static class ContextCommand
{
    /// <summary>Opens the connection (unless open), gives <paramref name="work"/> a command on it, and closes it again.</summary>
    public static async Task<T> RunAsync<T>(DbContext context, Func<DbCommand, Task<T>> work, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var command = context.Database.GetDbConnection().CreateCommand();
            await using var commandLifetime = command.ConfigureAwait(false);
            command.Transaction = context.Database.CurrentTransaction?.GetDbTransaction();
            return await work(command).ConfigureAwait(false);
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }
}
