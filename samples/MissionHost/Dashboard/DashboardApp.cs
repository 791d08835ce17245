using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using AgentCosts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MissionHost.Commands;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Keys;
using Spectre.Console;
using VersionedEnvelope;

namespace MissionHost.Dashboard;

/// <summary>
/// <c>serve</c>: the host's web face on Kestrel. JSON APIs for rotation, key usage, history and cost analytics (errors as
/// RFC 9457 problem details), and a dashboard page whose every asset the app serves itself.
/// </summary>
internal static class DashboardApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static async Task<WebApplication> BuildAsync(DatabaseTarget target, string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        configure?.Invoke(builder);
        if (!target.IsPostgres && !File.Exists(target.Paths.Database))
        {
            throw new SampleException($"There is no database at {target.Paths.Database}. Run the sample first (for example: dotnet run --project samples/MissionHost -- --db {target.Paths.Database}).");
        }

        await MissionSchema.EnsureCurrentAsync(target, cancellationToken);
        SampleHost.Register(builder.Services, builder.Configuration, target, createIfMissing: false);
        builder.Services.AddSingleton(sp => new KeyVersionCounts(
            sp.GetRequiredService<IDbContextFactory<MissionDbContext>>(),
            sp.GetRequiredService<TimeProvider>(),
            builder.Configuration.GetValue("Dashboard:StatusCountsMaxAge", TimeSpan.FromSeconds(1)),
            sp.GetRequiredService<ILogger<KeyVersionCounts>>()));
        builder.Services.AddSingleton<ReencryptionJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReencryptionJob>());
        builder.Services.AddSingleton(new ReencryptionSchedule(
            builder.Configuration.GetValue("Dashboard:ReencryptionCheckInterval", TimeSpan.FromSeconds(30)),
            builder.Configuration.GetValue("Dashboard:ReencryptionFirstRetry", TimeSpan.FromSeconds(1)),
            builder.Configuration.GetValue("Dashboard:ReencryptionMaxRetry", TimeSpan.FromMinutes(2)),
            // One core is left to the requests: the page polls the status while the job writes.
            Math.Max(1, builder.Configuration.GetValue("Dashboard:ReencryptionWriters", Environment.ProcessorCount - 1))));
        builder.Services.AddSingleton(AdminTokenFrom(builder.Configuration));
        builder.Services.AddSingleton(new RotationLimits(
            builder.Configuration.GetValue("Dashboard:FailedAttemptsPerMinute", 10),
            builder.Configuration.GetValue("Dashboard:RotationsPerMinute", 5)));
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        MapVault(app);
        MapAnalytics(app);
        return app;
    }

    private static void MapVault(WebApplication app)
    {
        app.MapPost("/api/vault/rotate", async (HttpContext context, AdminToken admin, RotationLimits limits, KeyRingManager keyRing, ReencryptionJob job, ILogger<ReencryptionJob> logger, CancellationToken cancellationToken) =>
        {
            // Authentication first: a request without the token never reaches the admin's rotation permits.
            string address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            if (!admin.TryAuthenticate(context.Request, out string identity))
            {
                logger.LogWarning("Rejected a rotation request without a valid admin token from {Address}.", address);
                return limits.TryFail(address, out var failuresRetry)
                    ? Results.Problem(statusCode: 401, title: "Unauthorized", detail: "Rotation needs the admin bearer token (Authorization: Bearer …).")
                    : TooMany(context, failuresRetry, "Too many failed attempts", "This address sent too many requests without a valid admin token.");
            }

            if (!limits.TryRotate(identity, out var rotationsRetry))
            {
                return TooMany(context, rotationsRetry, "Too many rotations", "This admin has used this minute's rotations.");
            }

            if (!job.TryClaim())
            {
                return Results.Problem(statusCode: 409, title: "Rotation in progress", detail: "A rotation or its re-encryption is still running; wait for it to finish.");
            }

            KeyRotationEvent rotation;
            try
            {
                // The audit trail records the authenticated identity; a 'rotatedBy' in the body is never read.
                rotation = await keyRing.RotateAsync(identity, cancellationToken);
            }
            catch
            {
                job.Release();
                throw;
            }

            // The rotation is saved; the re-encryption runs in the background and is retried until it is done, so the
            // answer says exactly that rather than waiting on (or failing with) the database.
            // With an activation delay the new version is pending: every host learns it before any host encrypts with it,
            // and the re-encryption starts when it becomes active.
            var activatesAt = keyRing.Current.TryGetKey(rotation.Version, out var key) && key.ActivatesAt is { } at ? at : rotation.RotatedAt;
            job.RotatedTo(rotation.Version, activatesAt);
            return Results.Accepted("/api/vault/status", new RotationResponse(rotation.Version, TimeFormat.Format(rotation.RotatedAt), rotation.RotatedBy, "pending", TimeFormat.Format(activatesAt)));
        });

        app.MapGet("/api/vault/status", async (KeyRingManager keyRing, KeyVersionCounts counts, ReencryptionJob job, ProfileReencryption runs, CancellationToken cancellationToken) =>
        {
            // Counted from the indexed keyVersion column with one GROUP BY, shared by every request for a moment: the
            // page polls this during a re-encryption, and a count per request does not scale with the table.
            var ring = keyRing.Current;
            var lifecycle = await keyRing.GetStatusAsync(cancellationToken);
            var reencryption = job.Status;
            var byVersion = await counts.GetAsync(reencryption.CompletedAt, cancellationToken);
            long unknown = byVersion.Where(c => !ring.TryGetKey(c.Key, out _)).Sum(c => c.Value);

            // On PostgreSQL the hosts share the run: its ranges say how far all of them are, and who works now.
            RangesStatus? ranges = null;
            if (reencryption.RunId is { } runId)
            {
                var shared = await runs.GetRangesAsync(runId, cancellationToken);
                ranges = new RangesStatus(shared.Done, shared.Total, shared.Rewrapped, [.. shared.Workers.Select(w => w.HostId)]);
            }

            return Results.Ok(new VaultStatus(
                ring.ActiveVersion,
                lifecycle.MinDecryptionVersion,
                lifecycle.NextRotationAt is { } next ? TimeFormat.Format(next) : null,
                lifecycle.MaxDataKeysPerVersion,
                [.. lifecycle.Versions.Select(k => new KeyStatus(
                    k.Version, k.State.ToString(), byVersion.GetValueOrDefault(k.Version), (long)k.Age.TotalDays, k.Uses, k.RetirementBlockedBy))],
                unknown,
                reencryption,
                ranges));
        });

        app.MapGet("/api/vault/history", (KeyRingManager keyRing) =>
            Results.Text(RotationHistoryJson.Write(keyRing.GetRotationHistory()), "application/json"));

        // Writes a profile with its sample API key under the active version (admin only): what an application does on sign-up.
        app.MapPost("/api/profiles", async (HttpContext context, AdminToken admin, IDbContextFactory<MissionDbContext> contexts, KeyRingManager keyRing, CancellationToken cancellationToken) =>
        {
            if (!admin.TryAuthenticate(context.Request, out _))
            {
                return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "This needs the admin bearer token (Authorization: Bearer …).");
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            string email = $"new-{Guid.NewGuid():N}@example.com";
            var profile = new UserProfile { Email = email, ApiKey = SampleSecrets.ApiKey(email), KeyRotationHistory = RotationHistoryJson.Write(keyRing.GetRotationHistory()) };
            db.UserProfiles.Add(profile);
            await db.SaveChangesAsync(cancellationToken);
            return Results.Created($"/api/profiles/{profile.Id}", new ProfileResponse(profile.Id, profile.Email, profile.KeyVersion, ApiKeyIntact: true));
        });

        // Reads a profile and decrypts its API key without blocking a thread, whatever version another host wrote it under;
        // answers whether it is intact and under which version, never the key itself (admin only).
        app.MapGet("/api/profiles/{id:long}", async (long id, HttpContext context, AdminToken admin, IDbContextFactory<MissionDbContext> contexts, IEnvelopeEncryptor encryptor, CancellationToken cancellationToken) =>
        {
            if (!admin.TryAuthenticate(context.Request, out _))
            {
                return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "This needs the admin bearer token (Authorization: Bearer …).");
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var row = await db.Database
                .SqlQuery<StoredProfile>($"""SELECT "id" AS "Id", "email" AS "Email", "apiKey" AS "ApiKey" FROM "UserProfile" WHERE "id" = {id}""")
                .FirstOrDefaultAsync(cancellationToken);
            if (row is null)
            {
                return Results.Problem(statusCode: 404, title: "Profile not found", detail: $"There is no profile {id}.");
            }

            var email = await encryptor.DecryptTextAsync(row.Email, System.Text.Encoding.UTF8.GetBytes(ProfileEmail.AssociatedData), cancellationToken);
            string address = email.GetPlaintextAsString();
            var decrypted = await encryptor.DecryptTextAsync(row.ApiKey, System.Text.Encoding.UTF8.GetBytes(LegacySeedCommand.ApiKeyAssociatedData), cancellationToken);
            bool intact = decrypted.GetPlaintextAsString() == SampleSecrets.ApiKey(address);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(decrypted.Plaintext);
            return Results.Ok(new ProfileResponse(row.Id, address, decrypted.KeyVersion, intact));
        });

        // Finds a profile by its email through the blind index (the email is stored encrypted), then compares the
        // decrypted email exactly; answers its id and key version, never the API key (admin only).
        app.MapGet("/api/profiles", async (string? email, HttpContext context, AdminToken admin, IDbContextFactory<MissionDbContext> contexts, CancellationToken cancellationToken) =>
        {
            if (!admin.TryAuthenticate(context.Request, out _))
            {
                return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "This needs the admin bearer token (Authorization: Bearer …).");
            }

            if (string.IsNullOrWhiteSpace(email))
            {
                return Results.Problem(statusCode: 400, title: "Email required", detail: "Name the profile's email: GET /api/profiles?email=user1@example.com.");
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var profile = await db.UserProfiles.AsNoTracking().FirstOrDefaultBlindAsync(p => p.Email, email, cancellationToken);
            return profile is null
                ? Results.Problem(statusCode: 404, title: "Profile not found", detail: "No profile has this email.")
                : Results.Ok(new ProfileResponse(profile.Id, profile.Email, profile.KeyVersion, ApiKeyIntact: profile.ApiKey == SampleSecrets.ApiKey(profile.Email)));
        });
    }

    private static void MapAnalytics(WebApplication app)
    {
        // The id as stored (42) or as the console prints it (mission-0042).
        app.MapGet("/api/missions/{id}/costs", async (string id, IDbContextFactory<MissionDbContext> contexts, ILogger<ReencryptionJob> logger, CancellationToken cancellationToken) =>
        {
            long number = TryParseMissionId(id, out long parsed) ? parsed : -1;
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            var mission = await context.Missions.AsNoTracking()
                .Where(m => m.Id == number || m.Name == id)
                .Select(m => new { m.Id, m.AgentCosts })
                .FirstOrDefaultAsync(cancellationToken);
            if (mission is null)
            {
                return Results.Problem(statusCode: 404, title: "Mission not found", detail: $"There is no mission '{id}'.");
            }

            if (mission.AgentCosts is null)
            {
                return Results.Problem(statusCode: 404, title: "No agent costs", detail: $"Mission '{id}' predates per-agent costs (its agentCosts is null); only its total cost is stored.");
            }

            try
            {
                return Results.Text(MissionCosts.Parse(mission.AgentCosts).ToJson(), "application/json");
            }
            catch (JsonException ex)
            {
                logger.LogWarning("Mission {Mission} has malformed agentCosts: {Reason}", id, ex.Message);
                return Results.Problem(statusCode: 422, title: "Malformed agentCosts", detail: $"Mission '{id}' has stored agentCosts that are not the agentCosts shape: {ex.Message}");
            }
        });

        app.MapGet("/api/analytics/agent-costs", async (string? from, string? to, IDbContextFactory<MissionDbContext> contexts, ILogger<ReencryptionJob> logger, CancellationToken cancellationToken) =>
            await BreakdownAsync(contexts, from, to, logger, cancellationToken) is { } result
                ? Results.Text(WithLeftOut(result), "application/json")
                : BadRange());

        app.MapGet("/api/analytics/agent-costs.svg", async (string? from, string? to, IDbContextFactory<MissionDbContext> contexts, ILogger<ReencryptionJob> logger, CancellationToken cancellationToken) =>
            await BreakdownAsync(contexts, from, to, logger, cancellationToken) is { } result
                ? Results.Text(ReportCommand.CreatePieChartSvg(result.Breakdown), "image/svg+xml")
                : BadRange());
    }

    private static bool TryParseMissionId(string id, out long number)
    {
        string digits = id.StartsWith("mission-", StringComparison.Ordinal) ? id["mission-".Length..] : id;
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>
    /// The breakdown of the missions completed in [from, to) (SQL over jsonb on PostgreSQL, in memory on SQLite); missions
    /// with malformed agentCosts are left out, counted, named and logged. Null when the range cannot be read.
    /// </summary>
    private static async Task<AgentCostBreakdownResult?> BreakdownAsync(IDbContextFactory<MissionDbContext> contexts, string? from, string? to, ILogger logger, CancellationToken cancellationToken)
    {
        if (!TryParseTime(from, out var start) || !TryParseTime(to, out var end))
        {
            return null;
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var result = await AgentCostBreakdownQuery.GetAgentCostBreakdownAsync(context, start, end, cancellationToken);
        foreach (long id in result.MalformedMissionIds)
        {
            logger.LogWarning("Mission {MissionId} has malformed agentCosts and is left out of the breakdown.", id);
        }

        return result;
    }

    private static string WithLeftOut(AgentCostBreakdownResult result)
    {
        var node = JsonNode.Parse(result.Breakdown.ToJson())!.AsObject();
        node["malformedMissions"] = new JsonObject
        {
            ["count"] = result.MalformedMissionIds.Count,
            ["ids"] = new JsonArray([.. result.MalformedMissionIds.Select(id => (JsonNode)id)]),
        };
        node["missionsWithoutAgentCosts"] = result.MissionsWithoutAgentCosts;
        return node.ToJsonString();
    }

    private static IResult TooMany(HttpContext context, TimeSpan retryAfter, string title, string detail)
    {
        int seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(
            statusCode: 429,
            title: title,
            detail: $"{detail} Try again in {seconds} s.",
            type: "https://www.rfc-editor.org/rfc/rfc6585#section-4");
    }

    private static IResult BadRange() =>
        Results.Problem(statusCode: 400, title: "Bad time range", detail: "'from' and 'to' must be ISO 8601 times, for example 2026-01-27T00:00:00Z.");

    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            time = parsed.ToUniversalTime();
            return true;
        }

        return false;
    }

    private static AdminToken AdminTokenFrom(IConfiguration configuration)
    {
        string identity = configuration["Dashboard:AdminName"] ?? "dashboard-admin";
        if (configuration["Dashboard:AdminToken"] is { } configured)
        {
            return new AdminToken(configured, identity); // refuses a weak token: ConfigurationException, exit code 2
        }

        string generated = AdminToken.Generate();
        AnsiConsole.MarkupLine($"[yellow]warning:[/] Dashboard:AdminToken (environment Dashboard__AdminToken) is not set; this run's development admin token, shown once: [bold]{generated}[/]");
        return new AdminToken(generated, identity);
    }

    internal sealed record ProfileResponse(long Id, string Email, int KeyVersion, bool ApiKeyIntact);

    internal sealed record StoredProfile(long Id, string Email, string ApiKey);

    internal sealed record RotationResponse(int Version, string RotatedAt, string RotatedBy, string Reencryption, string ActivatesAt);

    /// <summary>A key version: its secrets, age in days, data keys wrapped (every host) and what keeps it from automatic retirement.</summary>
    internal sealed record KeyStatus(int Version, string State, long Ciphertexts, long AgeDays, long Uses, string? RetirementBlockedBy);

    /// <summary>
    /// The vault's state; <paramref name="Malformed"/> counts profiles under a key version the ring does not have, and
    /// <paramref name="Ranges"/> (PostgreSQL) is where the run the hosts share stands.
    /// </summary>
    internal sealed record VaultStatus(
        int ActiveVersion,
        int MinDecryptionVersion,
        string? NextRotationAt,
        long MaxDataKeysPerVersion,
        IReadOnlyList<KeyStatus> Keys,
        long Malformed,
        ReencryptionStatus Reencryption,
        RangesStatus? Ranges);

    /// <summary>A shared run's key ranges: done of the total, rows its committed batches rewrote, and the hosts that hold a range now.</summary>
    internal sealed record RangesStatus(int Done, int Total, long Rewrapped, IReadOnlyList<string> Hosts);
}
