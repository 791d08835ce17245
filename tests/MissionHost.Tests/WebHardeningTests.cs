using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using MissionHost.Commands;
using MissionHost.Dashboard;
using MissionHost.Hosting;
using Spectre.Console.Testing;
using Spectre.Console;

namespace MissionHost.Tests;

/// <summary>The web face under attack and faults: one test (or more) for each finding.</summary>
[Collection(DashboardCollection.Name)]
public sealed class WebHardeningTests(SampleData data)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Rotate(string? token = SampleData.AdminToken) => new(HttpMethod.Post, "/api/vault/rotate")
    {
        Headers = { Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token) },
    };

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

    // 1. Strangers cannot lock the admin out; failures are limited per address and logged without the token.
    [Fact]
    public async Task Rotate_ManyUnauthenticatedRequests_NeverSpendTheAdminsPermits()
    {
        var logs = new FakeLogCollector();
        await using var app = await data.CreateTestAppAsync(rotationsPerMinute: 2, failedAttemptsPerMinute: 3, configure: b => b.Logging.AddProvider(new FakeLoggerProvider(logs)));
        await app.StartAsync(Ct);
        await ApiTests.WaitForReencryption(app.GetTestClient()); // the start-up check may find work a previous test left; a rotation meanwhile is 409
        var client = app.GetTestClient();

        var strangers = new List<HttpStatusCode>();
        for (int i = 0; i < 12; i++)
        {
            strangers.Add((await client.SendAsync(Rotate(i % 2 == 0 ? null : "guess-" + i), Ct)).StatusCode);
        }

        var limited = await client.SendAsync(Rotate("guess-again"), Ct);
        var admin = await client.SendAsync(Rotate(), Ct);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], strangers.Take(3));
        Assert.All(strangers.Skip(3), code => Assert.Equal(HttpStatusCode.TooManyRequests, code));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.StartsWith("https://", (await Json(limited)).GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, admin.StatusCode);
        await ApiTests.WaitForReencryption(client);

        var failures = logs.GetSnapshot().Where(r => r.Message.Contains("without a valid admin token", StringComparison.Ordinal)).ToList();
        Assert.Equal(13, failures.Count);
        Assert.All(failures, r => Assert.DoesNotContain("guess", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotate_PastTheAdminsRotationsPerMinute_Is429WithRetryAfter()
    {
        await using var app = await data.CreateTestAppAsync(rotationsPerMinute: 2);
        await app.StartAsync(Ct);
        await ApiTests.WaitForReencryption(app.GetTestClient()); // the start-up check may find work a previous test left; a rotation meanwhile is 409
        var client = app.GetTestClient();

        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Rotate(), Ct)).StatusCode);
        await ApiTests.WaitForReencryption(client);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Rotate(), Ct)).StatusCode);
        await ApiTests.WaitForReencryption(client);
        var third = await client.SendAsync(Rotate(), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal("Too many rotations", (await Json(third)).GetProperty("title").GetString());
    }

    // 2. Re-encryption is durable: a busy database delays it, shows why, and it converges.
    [Trait("Category", "Slow")]
    [Fact]
    public async Task Rotate_WhileTheDatabaseIsBusy_AnswersPendingShowsTheErrorAndConverges()
    {
        var own = new SampleData();
        await own.InitializeAsync();
        try
        {
            await using var app = await own.CreateTestAppAsync();
            await app.StartAsync(Ct);
            await ApiTests.WaitForReencryption(app.GetTestClient()); // the start-up check may find work a previous test left; a rotation meanwhile is 409
            var client = app.GetTestClient();

            // Another writer holds the write lock for longer than the busy timeout.
            var blocker = new SqliteConnection($"Data Source={own.Paths.Database};Pooling=False");
            await blocker.OpenAsync(Ct);
            var hold = blocker.BeginTransaction(deferred: false);
            new SqliteCommand("UPDATE \"Checkpoint\" SET \"done\" = \"done\"", blocker, hold).ExecuteNonQuery();

            var response = await client.SendAsync(Rotate(), Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var rotation = await Json(response);
            Assert.Equal("pending", rotation.GetProperty("reencryption").GetString());
            int version = rotation.GetProperty("version").GetInt32();

            JsonElement status = default;
            for (int i = 0; i < 200; i++)
            {
                status = (await Json(await client.GetAsync("/api/vault/status", Ct))).GetProperty("reencryption");
                if (status.GetProperty("error").ValueKind == JsonValueKind.String)
                {
                    break;
                }

                await Task.Delay(100, Ct);
            }

            Assert.True(status.GetProperty("pending").GetBoolean());
            Assert.Contains("locked", status.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);

            hold.Rollback();
            await blocker.DisposeAsync();
            var done = await ApiTests.WaitForReencryption(client);
            Assert.Equal(300, done.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("version").GetInt32() == version).GetProperty("ciphertexts").GetInt64());
            Assert.Equal(JsonValueKind.Null, done.GetProperty("reencryption").GetProperty("error").ValueKind);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Start_WithSecretsUnderAnOlderVersionAndNoCheckpoint_Converges()
    {
        var own = new SampleData();
        await own.InitializeAsync();
        try
        {
            // A rotation whose re-encryption never started (the process died right after it).
            await using (var host = await SampleHost.StartAsync(own.Target, createIfMissing: false, Ct))
            {
                await host.KeyRing.RotateAsync("ops", Ct);
            }

            await using var app = await own.CreateTestAppAsync();
            await app.StartAsync(Ct);
            var status = await ApiTests.WaitForReencryption(app.GetTestClient());

            int active = status.GetProperty("activeVersion").GetInt32();
            Assert.Equal(300, status.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("version").GetInt32() == active).GetProperty("ciphertexts").GetInt64());
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    // 4. Security headers on pages and APIs; no-store on APIs.
    [Fact]
    public async Task Responses_CarryTheSecurityHeaders()
    {
        await using var app = await data.CreateTestAppAsync();
        await app.StartAsync(Ct);
        var client = app.GetTestClient();

        var page = await client.GetAsync("/", Ct);
        var api = await client.GetAsync("/api/vault/status", Ct);

        foreach (var response in new[] { page, api })
        {
            string csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }

        Assert.True(api.Headers.CacheControl?.NoStore);
        Assert.DoesNotContain("<script>", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.DoesNotContain(" style=", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    // 5 and 6. A malformed row or a 10,000-character name never breaks the analytics.
    [Fact]
    public async Task Analytics_MalformedRowAndHugeName_AreSkippedOrShortenedAndTheChartDraws()
    {
        var own = new SampleData();
        await own.InitializeAsync();
        try
        {
            string longName = new('n', 10_000);
            var started = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            string json = $"{{\"{longName}\":{{\"tokens\":1,\"cost\":5,\"duration\":1}}}}";
            await own.ExecuteAsync($"""INSERT INTO "Mission" ("id", "name", "cost", "agentCosts", "startedAt", "completedAt") VALUES (900, 'mission-0900', 1, {"{not json"}, {started}, {started.AddSeconds(1)})""");
            await own.ExecuteAsync($"""INSERT INTO "Mission" ("id", "name", "cost", "agentCosts", "startedAt", "completedAt") VALUES (901, 'mission-0901', 5, {json}, {started}, {started.AddSeconds(1)})""");

            var logs = new FakeLogCollector();
            await using var app = await own.CreateTestAppAsync(configure: b => b.Logging.AddProvider(new FakeLoggerProvider(logs)));
            await app.StartAsync(Ct);
            var client = app.GetTestClient();

            var breakdown = await client.GetAsync("/api/analytics/agent-costs", Ct);
            var svg = await client.GetAsync("/api/analytics/agent-costs.svg", Ct);
            var bad = await client.GetAsync("/api/missions/900/costs", Ct);
            var byPrintedName = await client.GetAsync("/api/missions/mission-0001/costs", Ct);

            Assert.Equal(HttpStatusCode.OK, breakdown.StatusCode);
            var malformed = (await Json(breakdown)).GetProperty("malformedMissions");
            Assert.Equal(1, malformed.GetProperty("count").GetInt32());
            Assert.Equal(900, malformed.GetProperty("ids")[0].GetInt64());
            Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
            string svgText = await svg.Content.ReadAsStringAsync(Ct);
            Assert.Contains($"<title>{longName}</title>", svgText, StringComparison.Ordinal);
            Assert.Contains(ReportCommand.ShortName(longName), svgText, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, byPrintedName.StatusCode);
            Assert.Contains(logs.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("Mission 900", StringComparison.Ordinal));
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    // 7. A weak configured token is refused at start.
    [Theory]
    [InlineData("a")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("abababababababababababababababababab")]
    public async Task Build_WeakAdminToken_IsRefusedWithoutEchoingIt(string token)
    {
        var error = await Assert.ThrowsAsync<ConfigurationException>(() => data.CreateTestAppAsync(configure: b => b.Configuration["Dashboard:AdminToken"] = token));

        Assert.Contains("too weak", error.Message, StringComparison.Ordinal);
        if (token.Length >= 8)
        {
            Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
        }

        Assert.Null(AdminToken.Weakness(AdminToken.Generate()));
    }

    // 9. Console tables keep agent names whole on an 80-column terminal.
    [Fact]
    public void BreakdownTable_On80Columns_KeepsEveryAgentNameOnOneLine()
    {
        var missions = new[]
        {
            AgentCosts.MissionCosts.Parse("""{"genesis-architect":{"tokens":123456,"cost":9999,"duration":123456},"fact-checker":{"tokens":99999,"cost":1234,"duration":99999},"seo-analyst":{"tokens":1,"cost":1,"duration":1}}"""),
        };
        var console = new TestConsole().Width(80);

        console.Write(ReportCommand.CreateBreakdownTable(AgentCosts.CostBreakdown.From(missions)));

        Assert.All(console.Lines, line => Assert.True(line.Length <= 80, line));
        foreach (string name in new[] { "genesis-architect", "fact-checker", "seo-analyst" })
        {
            Assert.Contains(console.Lines, line => line.Contains(name, StringComparison.Ordinal));
        }
    }
}
