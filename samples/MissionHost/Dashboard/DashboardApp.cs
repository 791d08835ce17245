using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentCosts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

    public static WebApplication Build(DataPaths paths, string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        configure?.Invoke(builder);
        if (!File.Exists(paths.Database))
        {
            throw new SampleException($"There is no database at {paths.Database}. Run the sample first (for example: dotnet run --project samples/MissionHost -- --db {paths.Database}).");
        }

        SampleHost.Register(builder.Services, builder.Configuration, paths, createIfMissing: false);
        builder.Services.AddSingleton(new Database(paths.Database));
        builder.Services.AddSingleton<ProfileReencryption>();
        builder.Services.AddSingleton<ReencryptionJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReencryptionJob>());
        builder.Services.AddSingleton(new ReencryptionSchedule(
            builder.Configuration.GetValue("Dashboard:ReencryptionCheckInterval", TimeSpan.FromSeconds(30)),
            builder.Configuration.GetValue("Dashboard:ReencryptionFirstRetry", TimeSpan.FromSeconds(1)),
            builder.Configuration.GetValue("Dashboard:ReencryptionMaxRetry", TimeSpan.FromMinutes(2))));
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
            job.RotatedTo(rotation.Version);
            return Results.Accepted("/api/vault/status", new RotationResponse(rotation.Version, Database.FormatTime(rotation.RotatedAt), rotation.RotatedBy, "pending"));
        });

        app.MapGet("/api/vault/status", (KeyRingManager keyRing, Database database, ReencryptionJob job) =>
        {
            // Counted from the indexed keyVersion column (seeding and re-encryption keep it equal to the header), with one
            // GROUP BY: the page polls this during a re-encryption, and reading every ciphertext does not scale.
            var ring = keyRing.Current;
            var counts = CountByKeyVersion(database);
            long unknown = counts.Where(c => !ring.TryGetKey(c.Key, out _)).Sum(c => c.Value);
            return Results.Ok(new VaultStatus(
                ring.ActiveVersion,
                [.. ring.Keys.Select(k => new KeyStatus(k.Version, k.State.ToString(), counts.GetValueOrDefault(k.Version)))],
                unknown,
                job.Status));
        });

        app.MapGet("/api/vault/history", (KeyRingManager keyRing) =>
            Results.Text(RotationHistoryJson.Write(keyRing.GetRotationHistory()), "application/json"));
    }

    private static void MapAnalytics(WebApplication app)
    {
        // The id as stored (42) or as the console prints it (mission-0042).
        app.MapGet("/api/missions/{id}/costs", (string id, Database database, ILogger<Database> logger) =>
        {
            long? number = TryParseMissionId(id, out long parsed) ? parsed : null;
            string? json = ReadStrings(database, "SELECT agentCosts FROM Mission WHERE id = $id OR name = $name", ("$id", number), ("$name", id)).FirstOrDefault();
            if (json is null)
            {
                return Results.Problem(statusCode: 404, title: "Mission not found", detail: $"There is no mission '{id}'.");
            }

            try
            {
                return Results.Text(MissionCosts.Parse(json).ToJson(), "application/json");
            }
            catch (JsonException ex)
            {
                logger.LogWarning("Mission {Mission} has malformed agentCosts: {Reason}", id, ex.Message);
                return Results.Problem(statusCode: 422, title: "Malformed agentCosts", detail: $"Mission '{id}' has stored agentCosts that are not the agentCosts shape: {ex.Message}");
            }
        });

        app.MapGet("/api/analytics/agent-costs", (string? from, string? to, Database database, ILogger<Database> logger) =>
            Breakdown(database, from, to, logger) is { } result
                ? Results.Text(WithMalformed(result.Breakdown.ToJson(), result.Malformed), "application/json")
                : BadRange());

        app.MapGet("/api/analytics/agent-costs.svg", (string? from, string? to, Database database, ILogger<Database> logger) =>
            Breakdown(database, from, to, logger) is { } result
                ? Results.Text(ReportCommand.CreatePieChartSvg(result.Breakdown), "image/svg+xml")
                : BadRange());
    }

    private static bool TryParseMissionId(string id, out long number)
    {
        string digits = id.StartsWith("mission-", StringComparison.Ordinal) ? id["mission-".Length..] : id;
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>The breakdown of the readable missions; malformed rows are skipped, counted, named and logged.</summary>
    private static (CostBreakdown Breakdown, List<long> Malformed)? Breakdown(Database database, string? from, string? to, ILogger logger)
    {
        if (!TryParseTime(from, out var start) || !TryParseTime(to, out var end))
        {
            return null;
        }

        var missions = new List<MissionCosts>();
        var malformed = new List<long>();
        using var connection = database.Open();
        using var command = Database.Command(
            connection,
            "SELECT id, agentCosts FROM Mission WHERE ($from IS NULL OR startedAt >= $from) AND ($to IS NULL OR startedAt < $to) ORDER BY id",
            null,
            ("$from", start?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("$to", end?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            long id = reader.GetInt64(0);
            try
            {
                missions.Add(MissionCosts.Parse(reader.IsDBNull(1) ? "null" : reader.GetString(1)));
            }
            catch (JsonException ex)
            {
                malformed.Add(id);
                logger.LogWarning("Mission {MissionId} has malformed agentCosts and is left out of the breakdown: {Reason}", id, ex.Message);
            }
        }

        return (CostBreakdown.From(missions), malformed);
    }

    private static string WithMalformed(string breakdownJson, List<long> malformed)
    {
        var node = JsonNode.Parse(breakdownJson)!.AsObject();
        node["malformedMissions"] = new JsonObject
        {
            ["count"] = malformed.Count,
            ["ids"] = new JsonArray([.. malformed.Select(id => (JsonNode)id)]),
        };
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

    private static Dictionary<int, long> CountByKeyVersion(Database database)
    {
        using var connection = database.Open();
        using var command = Database.Command(connection, "SELECT keyVersion, COUNT(*) FROM UserProfile GROUP BY keyVersion");
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<int, long>();
        while (reader.Read())
        {
            counts[reader.GetInt32(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    private static List<string?> ReadStrings(Database database, string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = database.Open();
        return Database.ReadStrings(connection, sql, parameters);
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

    internal sealed record RotationResponse(int Version, string RotatedAt, string RotatedBy, string Reencryption);

    internal sealed record KeyStatus(int Version, string State, long Ciphertexts);

    /// <summary>The vault's state; <paramref name="Malformed"/> counts profiles under a key version the ring does not have.</summary>
    internal sealed record VaultStatus(int ActiveVersion, IReadOnlyList<KeyStatus> Keys, long Malformed, ReencryptionStatus Reencryption);
}
