using System.Globalization;
using System.Text.Json;
using System.Text;
using AgentCosts;
using Microsoft.EntityFrameworkCore;
using MissionHost.Data;
using MissionHost.Hosting;

namespace MissionHost.Tests;

/// <summary>
/// <c>getAgentCostBreakdown()</c> equals <see cref="CostBreakdown.From(IEnumerable{MissionCosts})"/> over the same stored
/// missions: one SQL query over jsonb on PostgreSQL, the in-memory path on SQLite. Mission sets with every agent, with
/// agents missing, with many agents, with malformed rows and with missions from before Phase 9; with and without a range.
/// </summary>
public abstract class BreakdownTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Day0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Crew = ["genesis-architect", "seo-analyst", "copywriter", "fact-checker", "publisher"];

    /// <summary>Values the app's reader refuses (a few the database itself accepts only as jsonb turns them into valid ones).</summary>
    private static readonly string[] Malformed =
    [
        "[]",
        "null",
        "\"text\"",
        "42",
        """{"a": 1}""",
        """{"a": null}""",
        """{"a": []}""",
        """{"": {"tokens": 1, "cost": 1, "duration": 1}}""",
        """{"a": {"tokens": 1, "cost": 2}}""",
        """{"a": {"tokens": 1, "cost": 2, "duration": 3, "model": 4}}""",
        """{"a": {"tokens": -1, "cost": 2, "duration": 3}}""",
        """{"a": {"tokens": 1.5, "cost": 2, "duration": 3}}""",
        """{"a": {"tokens": 1.0, "cost": 2, "duration": 3}}""",
        """{"a": {"tokens": "1", "cost": 2, "duration": 3}}""",
        """{"a": {"tokens": true, "cost": 2, "duration": 3}}""",
        """{"a": {"tokens": 9223372036854775808, "cost": 2, "duration": 3}}""",
        """{"a": {"tokens": 1, "cost": 2, "duration": 3}, "b": {"tokens": 1}}""",
    ];

    private protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private protected TestTargets Targets { get; } = new();

    private protected abstract DatabaseTarget CreateTarget();

    public ValueTask DisposeAsync() => Targets.DisposeAsync();

    public static TheoryData<string> Sets => ["every-agent", "missing-agents", "many-agents", "malformed-and-legacy"];

    [Theory]
    [MemberData(nameof(Sets))]
    public async Task Breakdown_EqualsCostBreakdownFromOverTheSameMissions(string set)
    {
        var target = CreateTarget();
        await using (await SampleHost.StartAsync(target, createIfMissing: true, Ct))
        {
        }

        var random = new Random(set.GetHashCode(StringComparison.Ordinal) & 0x7fff);
        await using var context = target.CreateContext();
        for (int i = 0; i < 120; i++)
        {
            string? json = set switch
            {
                "every-agent" => Costs(random, Crew),
                "missing-agents" => Costs(random, Crew.Where(_ => random.Next(3) > 0)),
                "many-agents" => Costs(random, Enumerable.Range(0, 300).Select(a => $"agent-{a:D3} ünïcødé").Where(_ => random.Next(10) == 0)),
                _ => (i % 4) switch
                {
                    0 => Malformed[(i / 4) % Malformed.Length],
                    1 => null,
                    _ => Costs(random, Crew.Where(_ => random.Next(2) > 0)),
                },
            };
            await InsertAsync(context, i, json, Day0.AddHours(i * 6));
        }

        var ranges = new (DateTimeOffset? From, DateTimeOffset? To)[] { (null, null), (Day0.AddDays(10), Day0.AddDays(20)), (Day0.AddDays(25), null), (null, Day0.AddDays(3)), (Day0.AddDays(99), null) };
        foreach (var (from, to) in ranges)
        {
            var actual = await AgentCostBreakdownQuery.GetAgentCostBreakdownAsync(context, from, to, Ct);
            var expected = await ExpectedAsync(context, from, to);
            Assert.Equal(expected.Breakdown.ToJson(), actual.Breakdown.ToJson());
            Assert.Equal(expected.MalformedMissionIds, actual.MalformedMissionIds);
            Assert.Equal(expected.MissionsWithoutAgentCosts, actual.MissionsWithoutAgentCosts);
        }

        var all = await AgentCostBreakdownQuery.GetAgentCostBreakdownAsync(context, cancellationToken: Ct);
        Assert.True(all.Breakdown.Missions > 0);
        if (set == "malformed-and-legacy")
        {
            Assert.NotEmpty(all.MalformedMissionIds);
            Assert.Equal(30, all.MissionsWithoutAgentCosts);
        }
    }

    /// <summary>The oracle: the stored text of each mission of the range, read back and aggregated by the library.</summary>
    private static async Task<AgentCostBreakdownResult> ExpectedAsync(MissionDbContext context, DateTimeOffset? from, DateTimeOffset? to)
    {
        var rows = await context.Database.SqlQuery<StoredMission>($"""SELECT "id" AS "Id", CAST("agentCosts" AS TEXT) AS "AgentCosts", "completedAt" AS "CompletedAt" FROM "Mission" ORDER BY "id" """).ToListAsync(Ct);
        var missions = new List<MissionCosts>();
        var malformed = new List<long>();
        long withoutCosts = 0;
        foreach (var row in rows.Where(r => (from is null || r.CompletedAt >= from) && (to is null || r.CompletedAt < to)))
        {
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

    private static string Costs(Random random, IEnumerable<string> agents)
    {
        var json = new StringBuilder("{");
        foreach (string agent in agents)
        {
            json.Append(json.Length > 1 ? ", " : "").Append(JsonSerializer.Serialize(agent))
                .Append(CultureInfo.InvariantCulture, $$""": {"tokens": {{random.Next(0, 90_000)}}, "cost": {{random.Next(0, 300)}}, "duration": {{random.NextInt64(0, 5_000_000_000)}}}""");
        }

        return json.Append('}').ToString();
    }

    private static Task InsertAsync(MissionDbContext context, int i, string? json, DateTimeOffset completed)
    {
        string name = $"m-{i}";
        return context.IsPostgres
            ? context.Database.ExecuteSqlAsync($"""INSERT INTO "Mission" ("name", "cost", "agentCosts", "startedAt", "completedAt") VALUES ({name}, 0, CAST({json} AS jsonb), {completed}, {completed})""", Ct)
            : context.Database.ExecuteSqlAsync($"""INSERT INTO "Mission" ("name", "cost", "agentCosts", "startedAt", "completedAt") VALUES ({name}, 0, {json}, {completed}, {completed})""", Ct);
    }

    private sealed record StoredMission(long Id, string? AgentCosts, DateTimeOffset CompletedAt);
}

public sealed class SqliteBreakdownTests : BreakdownTests
{
    private protected override DatabaseTarget CreateTarget() => Targets.Sqlite();
}

public sealed class PostgresBreakdownTests : BreakdownTests
{
    private protected override DatabaseTarget CreateTarget() => Targets.Postgres();
}
