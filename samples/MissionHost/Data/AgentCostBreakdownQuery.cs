using System.Data;
using System.Data.Common;
using System.Text.Json;
using AgentCosts;
using Microsoft.EntityFrameworkCore;

namespace MissionHost.Data;

/// <summary>
/// The seed's <c>getAgentCostBreakdown()</c>. On PostgreSQL one SQL query over the <c>agentCosts</c> <c>jsonb</c>
/// column (<c>jsonb_each</c>) does the work in the database and returns one row per agent; elsewhere the rows are read
/// and aggregated in memory with <see cref="CostBreakdown.From(IEnumerable{MissionCosts})"/>. Both give the same answer,
/// malformed rows included: the database's shape check accepts exactly what <see cref="MissionCosts.Parse(string)"/> accepts.
/// </summary>
internal static class AgentCostBreakdownQuery
{
    /// <summary>Missions completed in [<paramref name="from"/>, <paramref name="to"/>), either bound optional.</summary>
    public static Task<AgentCostBreakdownResult> GetAgentCostBreakdownAsync(MissionDbContext context, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) =>
        context.IsPostgres
            ? InDatabaseAsync(context, from, to, cancellationToken)
            : InMemoryAsync(context, from, to, cancellationToken);

    /// <summary>The in-memory way, on any provider: every mission of the range read, parsed and aggregated in the app.</summary>
    public static async Task<AgentCostBreakdownResult> InMemoryAsync(MissionDbContext context, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var missions = new List<MissionCosts>();
        var malformed = new List<long>();
        long withoutCosts = 0;
        var query = context.Missions.AsNoTracking().OrderBy(m => m.Id).Select(m => new { m.Id, m.AgentCosts, m.CompletedAt });
        // SQLite stores DateTimeOffset as text EF Core cannot compare in SQL: there the range is applied here, row by row.
        bool rangeInSql = context.IsPostgres;
        var rows = rangeInSql
            ? query.Where(m => (from == null || m.CompletedAt >= from) && (to == null || m.CompletedAt < to))
            : query;
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (!rangeInSql && ((from is not null && row.CompletedAt < from) || (to is not null && row.CompletedAt >= to)))
            {
                continue;
            }

            if (row.AgentCosts is null)
            {
                withoutCosts++;
                continue;
            }

            try
            {
                missions.Add(MissionCosts.Parse(row.AgentCosts));
            }
            catch (JsonException)
            {
                malformed.Add(row.Id);
            }
        }

        return new AgentCostBreakdownResult(CostBreakdown.From(missions), malformed, withoutCosts);
    }

    /// <summary>
    /// One statement over the missions of the range. Whether a mission's <c>agentCosts</c> has the agentCosts shape is
    /// the <c>agentCostsValid</c> column the database computes on every write (migration <c>AgentCostsShapeCheck</c>:
    /// exactly what <see cref="MissionCosts.Parse(string)"/> accepts), so the query only adds up: one row with the count
    /// of valid missions and of those without agentCosts, one row per agent with its sums (<c>jsonb_each</c>,
    /// <c>GROUP BY</c>), and one row per malformed mission.
    /// </summary>
    public const string Sql = """
        SELECT 0 AS kind, NULL::text AS agent, count(*) FILTER (WHERE m."agentCostsValid") AS missions,
               0::numeric AS tokens, 0::numeric AS cost, 0::numeric AS duration, count(*) FILTER (WHERE m."agentCosts" IS NULL) AS id
        FROM "Mission" m
        WHERE (@from IS NULL OR m."completedAt" >= @from) AND (@to IS NULL OR m."completedAt" < @to)
        UNION ALL
        SELECT 1, agent.name, count(*), sum((agent.v ->> 'tokens')::bigint), sum((agent.v ->> 'cost')::bigint), sum((agent.v ->> 'duration')::bigint), NULL
        FROM "Mission" m CROSS JOIN LATERAL jsonb_each(m."agentCosts") AS agent(name, v)
        WHERE m."agentCostsValid" AND (@from IS NULL OR m."completedAt" >= @from) AND (@to IS NULL OR m."completedAt" < @to)
        GROUP BY agent.name
        UNION ALL
        SELECT 2, NULL, 0, 0, 0, 0, m."id"
        FROM "Mission" m
        WHERE NOT m."agentCostsValid" AND (@from IS NULL OR m."completedAt" >= @from) AND (@to IS NULL OR m."completedAt" < @to)
        """;

    private static async Task<AgentCostBreakdownResult> InDatabaseAsync(MissionDbContext context, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Sql;
            command.Parameters.Add(Time(command, "@from", from));
            command.Parameters.Add(Time(command, "@to", to));
            int missions = 0;
            long withoutCosts = 0;
            var agents = new List<AgentTotal>();
            var malformed = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                switch (reader.GetInt32(0))
                {
                    case 0:
                        missions = checked((int)reader.GetInt64(2));
                        withoutCosts = reader.GetInt64(6);
                        break;
                    case 1:
                        // Sums of bigints are numeric: a total beyond a long fails here, as adding them in the app would.
                        var total = new AgentCost(
                            checked((long)reader.GetDecimal(3)),
                            checked((long)reader.GetDecimal(4)),
                            checked((long)reader.GetDecimal(5)));
                        agents.Add(new AgentTotal(reader.GetString(1), total, checked((int)reader.GetInt64(2))));
                        break;
                    default:
                        malformed.Add(reader.GetInt64(6));
                        break;
                }
            }

            malformed.Sort();
            return new AgentCostBreakdownResult(CostBreakdown.FromTotals(missions, agents), malformed, withoutCosts);
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    private static DbParameter Time(DbCommand command, string name, DateTimeOffset? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = DbType.DateTimeOffset;
        parameter.Value = value is { } time ? time.ToUniversalTime() : DBNull.Value;
        return parameter;
    }
}
