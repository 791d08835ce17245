using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Keys;

namespace MissionHost.Tests;

/// <summary>
/// Two dashboard hosts (each its own services, key ring manager and background job) on one PostgreSQL database: the
/// ring is shared in the database, a rotation through one is seen by the other within its refresh interval, and their
/// re-encryption jobs together move every profile exactly once.
/// </summary>
// Commands draw Spectre.Console progress bars, one at a time per process: with the other tests that run them.
[Collection(DashboardCollection.Name)]
public sealed class TwoHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Trait("Category", "Slow")]
    [Fact]
    public async Task PostgresRotationOnA_IsUsedByB_AndTheJobsTogetherMoveEveryRowOnce()
    {
        await using var database = PostgresServer.Require();
        var data = new SampleData(database.ConnectionString);
        await data.InitializeAsync();
        try
        {
            // Row writes, counted by the database: a row re-encrypted twice would show two.
            await data.ExecuteAsync($"""
                CREATE TABLE "ApiKeyWrites" ("id" bigint NOT NULL);
                CREATE FUNCTION log_api_key_write() RETURNS trigger AS $$ BEGIN INSERT INTO "ApiKeyWrites" VALUES (NEW."id"); RETURN NEW; END $$ LANGUAGE plpgsql;
                CREATE TRIGGER log_api_key_write AFTER UPDATE OF "apiKey" ON "UserProfile" FOR EACH ROW EXECUTE FUNCTION log_api_key_write();
                """);
            await using var a = await data.CreateTestAppAsync(configure: FastChecks);
            await using var b = await data.CreateTestAppAsync(configure: FastChecks);
            await a.StartAsync(Ct);
            await b.StartAsync(Ct);
            var clientA = a.GetTestClient();
            var clientB = b.GetTestClient();
            Assert.Equal(1, (await StatusAsync(clientB)).GetProperty("activeVersion").GetInt32());

            using var rotate = new HttpRequestMessage(HttpMethod.Post, "/api/vault/rotate") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", SampleData.AdminToken) } };
            var response = await clientA.SendAsync(rotate, Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            int version = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("version").GetInt32();
            Assert.Equal(2, version);

            // B: the new active version within its refresh interval (1 s here), and the history from the shared ring.
            var statusB = await WaitAsync(clientB, s => s.GetProperty("activeVersion").GetInt32() == version, $"host B reports v{version} as active");
            Assert.Equal(version, statusB.GetProperty("activeVersion").GetInt32());
            string historyB = await clientB.GetStringAsync("/api/vault/history", Ct);
            Assert.Contains($$"""{"version":2,""", historyB, StringComparison.Ordinal);
            Assert.Contains("dashboard-admin", historyB, StringComparison.Ordinal);

            // Both jobs settle; every profile is under v2 and was written once.
            var doneA = await ApiTests.WaitForReencryption(clientA);
            var doneB = await ApiTests.WaitForReencryption(clientB);
            foreach (var client in new[] { clientA, clientB })
            {
                // The counts are shared for a moment (StatusCountsMaxAge): wait for ones taken after the jobs ended.
                await WaitAsync(client, s => CountUnder(s, version) == 300, $"the status counts 300 profiles under v{version}");
            }

            long rewrapped = doneA.GetProperty("reencryption").GetProperty("rewrapped").GetInt64() + doneB.GetProperty("reencryption").GetProperty("rewrapped").GetInt64();
            Assert.Equal(300, rewrapped);
            await using (var context = data.Target.CreateContext())
            {
                var writes = await context.Database.SqlQuery<long>($"""SELECT COUNT(*) AS "Value" FROM "ApiKeyWrites" GROUP BY "id" HAVING COUNT(*) > 1""").ToListAsync(Ct);
                Assert.Empty(writes);
                Assert.Equal(300, await context.Database.SqlQuery<long>($"""SELECT COUNT(DISTINCT "id") AS "Value" FROM "ApiKeyWrites" """).SingleAsync(Ct));
            }

            // B writes new secrets under the new version, and reads what A's job wrote.
            await using (var context = b.Services.GetRequiredService<IDbContextFactory<MissionDbContext>>().CreateDbContext())
            {
                context.UserProfiles.Add(new UserProfile { Email = "new@example.com", ApiKey = "sk-new" });
                await context.SaveChangesAsync(Ct);
                Assert.Equal(version, (await context.UserProfiles.AsNoTracking().FirstOrDefaultBlindAsync(p => p.Email, "new@example.com", Ct))!.KeyVersion);
                var first = await context.UserProfiles.AsNoTracking().OrderBy(p => p.Id).FirstAsync(Ct);
                Assert.Equal(SampleSecrets.ApiKey(first.Email), first.ApiKey);
            }
        }
        finally
        {
            await data.DisposeAsync();
        }
    }

    [Fact]
    public async Task PostgresRotationOnA_BReadsTheNewVersionAtOnceAndThenWritesUnderIt()
    {
        await using var database = PostgresServer.Require();
        var data = new SampleData(database.ConnectionString);
        await data.InitializeAsync();
        try
        {
            // Console hosts with appsettings.json's refresh interval (30 s): longer than this test.
            await using var a = await SampleHost.StartAsync(data.Target, createIfMissing: false, Ct);
            await using var b = await SampleHost.StartAsync(data.Target, createIfMissing: false, Ct);
            await a.KeyRing.RotateAsync("ops", Ct);
            await using (var context = a.CreateContext())
            {
                context.UserProfiles.Add(new UserProfile { Email = "fresh@example.com", ApiKey = "sk-fresh" });
                await context.SaveChangesAsync(Ct);
            }

            // B hears of the rotation through PostgreSQL NOTIFY within milliseconds; if the read comes first, the ciphertext
            // under a version B does not know makes it join one reload of the shared ring. Either way the read succeeds.
            await using (var context = b.CreateContext())
            {
                var fresh = (await context.UserProfiles.AsNoTracking().FirstOrDefaultBlindAsync(p => p.Email, "fresh@example.com", Ct))!;
                Assert.Equal(("sk-fresh", 2), (fresh.ApiKey, fresh.KeyVersion));
            }

            Assert.Equal(2, b.Encryptor.ActiveKeyVersion);
            await using (var context = b.CreateContext())
            {
                context.UserProfiles.Add(new UserProfile { Email = "from-b@example.com", ApiKey = "sk-b" });
                await context.SaveChangesAsync(Ct);
                Assert.Equal(2, (await context.UserProfiles.AsNoTracking().FirstOrDefaultBlindAsync(p => p.Email, "from-b@example.com", Ct))!.KeyVersion);
            }
        }
        finally
        {
            await data.DisposeAsync();
        }
    }

    private static void FastChecks(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["VersionedEnvelope:KeyRing:RefreshInterval"] = "00:00:01",
            ["Dashboard:ReencryptionCheckInterval"] = "00:00:01",
            ["Dashboard:StatusCountsMaxAge"] = "00:00:00.100",
        });

    private static async Task<JsonElement> StatusAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/api/vault/status", Ct)).RootElement;

    private static long CountUnder(JsonElement status, int version) =>
        status.GetProperty("keys").EnumerateArray().SingleOrDefault(k => k.GetProperty("version").GetInt32() == version) is { ValueKind: JsonValueKind.Object } key
            ? key.GetProperty("ciphertexts").GetInt64()
            : 0;

    /// <summary>Polls the status until <paramref name="condition"/> holds; fails, saying what it waited for and what it last saw, after 20 s.</summary>
    private static async Task<JsonElement> WaitAsync(HttpClient client, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var status = await StatusAsync(client);
            if (condition(status))
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 20 s for this, in vain: {what}. The last status: {status}");
            }

            await Task.Delay(50, Ct);
        }
    }
}
