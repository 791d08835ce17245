using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MissionHost.Dashboard;
using MissionHost.Keys;
using MissionHost.Missions;

namespace MissionHost.Tests;

[Collection(DashboardCollection.Name)]
public sealed class ApiTests(SampleData data)
{
    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

    [Fact]
    public async Task Rotate_WithoutOrWithWrongToken_Is401ProblemDetails()
    {
        await using var app = await data.CreateTestAppAsync();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = app.GetTestClient();

        var none = await client.PostAsync("/api/vault/rotate", null, TestContext.Current.CancellationToken);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/vault/rotate") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "guess") } };
        var guessed = await client.SendAsync(wrong, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, guessed.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (await Json(none)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task ProfileByEmail_FindsItThroughTheBlindIndex_WithItsKeyVersion_NeverTheApiKey()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await data.CreateTestAppAsync();
        await app.StartAsync(ct);
        var client = app.GetTestClient();
        string email = SampleSecrets.Email(42);

        var anonymous = await client.GetAsync($"/api/profiles?email={email}", ct);
        var found = await client.SendAsync(Admin(HttpMethod.Get, $"/api/profiles?email={Uri.EscapeDataString("  " + email.ToUpperInvariant())}"), ct);
        var missing = await client.SendAsync(Admin(HttpMethod.Get, "/api/profiles?email=nobody@example.com"), ct);
        var empty = await client.SendAsync(Admin(HttpMethod.Get, "/api/profiles"), ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        string body = await found.Content.ReadAsStringAsync(ct);
        var profile = JsonDocument.Parse(body).RootElement;
        Assert.Equal(email, profile.GetProperty("email").GetString());
        Assert.True(profile.GetProperty("apiKeyIntact").GetBoolean());
        Assert.True(profile.GetProperty("keyVersion").GetInt32() >= 1);
        Assert.DoesNotContain("sk-live", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.DoesNotContain("nobody", await missing.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    private static HttpRequestMessage Admin(HttpMethod method, string uri) =>
        new(method, uri) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", SampleData.AdminToken) } };

    [Fact]
    public async Task Rotate_WithToken_RecordsAuthenticatedIdentityNotBodyAndReencrypts()
    {
        await using var app = await data.CreateTestAppAsync();
        await app.StartAsync(TestContext.Current.CancellationToken);
        await ApiTests.WaitForReencryption(app.GetTestClient()); // the start-up check may find work a previous test left; a rotation meanwhile is 409
        var client = app.GetTestClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/vault/rotate")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", SampleData.AdminToken) },
            Content = JsonContent.Create(new { rotatedBy = "mallory" }),
        };

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rotation = await Json(response);
        Assert.Equal("dashboard-admin", rotation.GetProperty("rotatedBy").GetString());
        int version = rotation.GetProperty("version").GetInt32();
        var status = await WaitForReencryption(client);
        Assert.Equal(version, status.GetProperty("activeVersion").GetInt32());
        Assert.Equal(300, status.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("version").GetInt32() == version).GetProperty("ciphertexts").GetInt64());
        string history = await client.GetStringAsync("/api/vault/history", TestContext.Current.CancellationToken);
        Assert.Contains($"{{\"version\":{version},", history, StringComparison.Ordinal);
        Assert.DoesNotContain("mallory", history, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_WhileReencryptionRuns_Is409()
    {
        await using var app = await data.CreateTestAppAsync();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var job = app.Services.GetRequiredService<ReencryptionJob>();

        // The job's own start-up check holds the claim for a moment.
        for (int i = 0; i < 100 && !job.TryClaim(); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        try
        {
            Assert.False(job.TryClaim());
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/vault/rotate") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", SampleData.AdminToken) } };
            var response = await app.GetTestClient().SendAsync(request, TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("Rotation in progress", (await Json(response)).GetProperty("title").GetString());
        }
        finally
        {
            job.Release();
        }
    }

    [Fact]
    public async Task Status_History_Missions_Analytics_ReturnJsonWithoutSecrets()
    {
        await using var app = await data.CreateTestAppAsync();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = app.GetTestClient();
        var ct = TestContext.Current.CancellationToken;

        var status = await Json(await client.GetAsync("/api/vault/status", ct));
        var history = await Json(await client.GetAsync("/api/vault/history", ct));
        var mission = await client.GetAsync("/api/missions/1/costs", ct);
        var missing = await client.GetAsync("/api/missions/9999/costs", ct);
        var breakdown = await Json(await client.GetAsync("/api/analytics/agent-costs", ct));
        var future = await Json(await client.GetAsync("/api/analytics/agent-costs?from=2999-01-01T00:00:00Z", ct));
        var badRange = await client.GetAsync("/api/analytics/agent-costs?to=someday", ct);
        var svg = await client.GetAsync("/api/analytics/agent-costs.svg", ct);

        Assert.True(status.GetProperty("activeVersion").GetInt32() >= 1);
        Assert.Equal(JsonValueKind.Array, history.ValueKind);
        Assert.Equal(HttpStatusCode.OK, mission.StatusCode);
        Assert.Equal(MissionSimulator.AgentCount, (await Json(mission)).EnumerateObject().Count());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(4, breakdown.GetProperty("missions").GetInt32());
        Assert.Equal(MissionSimulator.AgentCount, breakdown.GetProperty("agents").GetArrayLength());
        Assert.Equal(0, future.GetProperty("missions").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);

        string everything = status.ToString() + history + breakdown + await client.GetStringAsync("/", ct) + await client.GetStringAsync("/app.js", ct);
        Assert.DoesNotContain("sk-live-", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("ve1:v", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(await File.ReadAllTextAsync(data.Paths.DevelopmentRootKey, ct), everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_WithAnActivationDelay_SaysWhenTheVersionBecomesActive_AndReencryptsFromThen()
    {
        await using var app = await data.CreateTestAppAsync(configure: b => b.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["VersionedEnvelope:KeyRing:ActivationDelay"] = "00:00:02" }));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = app.GetTestClient();
        int before = (await WaitForReencryption(client)).GetProperty("activeVersion").GetInt32();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/vault/rotate") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", SampleData.AdminToken) } };

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rotation = await Json(response);
        int version = rotation.GetProperty("version").GetInt32();
        var rotatedAt = DateTimeOffset.Parse(rotation.GetProperty("rotatedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var activatesAt = DateTimeOffset.Parse(rotation.GetProperty("activatesAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromSeconds(2), activatesAt - rotatedAt);
        var pending = JsonDocument.Parse(await client.GetStringAsync("/api/vault/status", TestContext.Current.CancellationToken)).RootElement;
        if (DateTimeOffset.UtcNow < activatesAt)
        {
            Assert.Equal(before, pending.GetProperty("activeVersion").GetInt32());
        }

        var status = await WaitForReencryption(client);
        Assert.True(DateTimeOffset.UtcNow >= activatesAt);
        Assert.Equal(version, status.GetProperty("activeVersion").GetInt32());
        Assert.Equal(300, status.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("version").GetInt32() == version).GetProperty("ciphertexts").GetInt64());
    }

    internal static async Task<JsonElement> WaitForReencryption(HttpClient client)
    {
        for (int i = 0; i < 600; i++)
        {
            var status = JsonDocument.Parse(await client.GetStringAsync("/api/vault/status", TestContext.Current.CancellationToken)).RootElement;
            var reencryption = status.GetProperty("reencryption");
            if (!reencryption.GetProperty("running").GetBoolean() && !reencryption.GetProperty("pending").GetBoolean())
            {
                return status;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("The re-encryption did not finish.");
    }
}
