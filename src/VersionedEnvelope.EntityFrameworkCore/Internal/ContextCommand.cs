using System.Data;
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

    /// <summary>Adds a parameter (DBNull for null, the given type when the value alone cannot say it); returns its name for the SQL text.</summary>
    public static string Parameter(DbCommand command, string name, object? value, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (type is { } dbType)
        {
            parameter.DbType = dbType;
        }

        command.Parameters.Add(parameter);
        return name;
    }
}
