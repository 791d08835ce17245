using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

namespace VersionedEnvelope.EntityFrameworkCore.Internal;

/// <summary>
/// PostgreSQL <c>LISTEN</c>/<c>NOTIFY</c> for key ring changes, without a compile-time dependency on Npgsql (the
/// package works with any provider).
/// </summary>
/// <remarks>
/// A connection whose type offers Npgsql's <c>WaitAsync(CancellationToken)</c> can wait for a notification; every other
/// connection cannot, and its hosts keep the periodic refresh alone.
/// </remarks>
internal static class PostgresNotifications
{
    /// <summary>The channel every key ring save notifies, with the ring's name as payload.</summary>
    public const string Channel = "versioned_envelope_keyring";

    /// <summary>Subscribes the connection to <see cref="Channel"/>.</summary>
    public const string ListenSql = "LISTEN " + Channel;

    /// <summary>Npgsql's wait for the next asynchronous message (a notification), if this connection has one.</summary>
    public static Func<CancellationToken, Task>? WaitFor(DbConnection connection)
    {
        if (connection.GetType().FullName != "Npgsql.NpgsqlConnection")
        {
            return null;
        }

        var wait = connection.GetType().GetMethod("WaitAsync", BindingFlags.Public | BindingFlags.Instance, [typeof(CancellationToken)]);
        return wait is null || wait.ReturnType != typeof(Task)
            ? null
            : token => (Task)wait.Invoke(connection, [token])!;
    }

    /// <summary>Whether saves on this context's connection can notify listeners.</summary>
    public static bool CanNotify(DbContext context) => WaitFor(context.Database.GetDbConnection()) is not null;

    /// <summary>Notifies listeners that the ring changed; inside a transaction it is delivered at the commit.</summary>
    public static Task NotifyAsync(DbContext context, string ringName, CancellationToken cancellationToken) =>
        context.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {ringName})", cancellationToken);
}
