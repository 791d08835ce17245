using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace VersionedEnvelope.EntityFrameworkCore.Tests;

/// <summary>Raw SQL helpers: what is really stored, bypassing the converters.</summary>
internal static class Sql
{
    public static async Task<object?> ScalarAsync(DbContext context, string sql, params object[] parameters)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync();
        try
        {
            await using var command = Command(connection, sql, parameters);
            var value = await command.ExecuteScalarAsync();
            return value is DBNull ? null : value;
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    public static async Task<int> ExecuteAsync(DbContext context, string sql, params object[] parameters)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync();
        try
        {
            await using var command = Command(connection, sql, parameters);
            return await command.ExecuteNonQueryAsync();
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    public static async Task<List<object?[]>> RowsAsync(DbContext context, string sql)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync();
        try
        {
            await using var command = Command(connection, sql, []);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<object?[]>();
            while (await reader.ReadAsync())
            {
                var row = new object?[reader.FieldCount];
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }

            return rows;
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The first column of every row.</summary>
    public static async Task<List<T?>> ColumnAsync<T>(DbContext context, string sql) =>
        [.. (await RowsAsync(context, sql)).Select(row => (T?)row[0])];

    private static DbCommand Command(DbConnection connection, string sql, object[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        for (int i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@p{i}";
            parameter.Value = parameters[i];
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
