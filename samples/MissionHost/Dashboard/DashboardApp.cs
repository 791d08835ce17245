using System.Globalization;
using System.Threading.RateLimiting;
using AgentCosts;
using AgentCosts.Breakdown;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using VersionedEnvelope;
using VersionedEnvelope.Reencryption;
using VersionedEnvelope.Rotation;
using VersionedEnvelope.Format;

namespace MissionHost.Dashboard;

/// <summary>
/// <c>serve</c>: the host's web face on Kestrel. JSON APIs for rotation, key usage, history and cost analytics (errors as
/// RFC 9457 problem details), and a dashboard page whose every asset the app serves itself.
/// </summary>
internal static class DashboardApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";
    private const string RotatePolicy = "rotate";

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
        builder.Services.AddSingleton(AdminTokenFrom(builder.Configuration));
        builder.Services.AddProblemDetails();
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddFixedWindowLimiter(RotatePolicy, window =>
            {
                window.PermitLimit = builder.Configuration.GetValue("Dashboard:RotationsPerMinute", 5);
                window.Window = TimeSpan.FromMinutes(1);
                window.QueueLimit = 0;
            });
            options.OnRejected = (context, cancellationToken) =>
                new ValueTask(Results.Problem(statusCode: 429, title: "Too many rotations", detail: "Key rotation is rate-limited; try again in a minute.").ExecuteAsync(context.HttpContext));
        });

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRateLimiter();
        MapVault(app);
        MapAnalytics(app);
        return app;
    }

    private static void MapVault(WebApplication app)
    {
        app.MapPost("/api/vault/rotate", async (HttpRequest request, AdminToken admin, KeyRingManager keyRing, ReencryptionJob job, CancellationToken cancellationToken) =>
        {
            if (!admin.TryAuthenticate(request, out string identity))
            {
                return Results.Problem(statusCode: 401, title: "Unauthorized", detail: "Rotation needs the admin bearer token (Authorization: Bearer …).");
            }

            if (!job.TryClaim())
            {
                return Results.Problem(statusCode: 409, title: "Rotation in progress", detail: "A rotation or its re-encryption is still running; wait for it to finish.");
            }

            try
            {
                // The audit trail records the authenticated identity; a 'rotatedBy' in the body is never read.
                var rotation = await keyRing.RotateAsync(identity, cancellationToken);
                job.Start(rotation.Version);
                return Results.Accepted("/api/vault/status", new RotationResponse(rotation.Version, Database.FormatTime(rotation.RotatedAt), rotation.RotatedBy));
            }
            catch
            {
                job.Release();
                throw;
            }
        }).RequireRateLimiting(RotatePolicy);

        app.MapGet("/api/vault/status", (KeyRingManager keyRing, Database database, ReencryptionJob job) =>
        {
            var ring = keyRing.Current;
            var inventory = KeyUsageInventory.Scan(ReadStrings(database, "SELECT apiKey FROM UserProfile"));
            return Results.Ok(new VaultStatus(
                ring.ActiveVersion,
                [.. ring.Keys.Select(k => new KeyStatus(k.Version, k.State.ToString(), inventory.CountOf(k.Version)))],
                inventory.Malformed,
                job.Status));
        });

        app.MapGet("/api/vault/history", (KeyRingManager keyRing) =>
            Results.Text(RotationHistoryJson.Write(keyRing.GetRotationHistory()), "application/json"));
    }

    private static void MapAnalytics(WebApplication app)
    {
        app.MapGet("/api/missions/{id:long}/costs", (long id, Database database) =>
        {
            string? json = ReadStrings(database, "SELECT agentCosts FROM Mission WHERE id = $id", ("$id", id)).FirstOrDefault();
            return json is null
                ? Results.Problem(statusCode: 404, title: "Mission not found", detail: $"There is no mission {id}.")
                : Results.Text(json, "application/json");
        });

        app.MapGet("/api/analytics/agent-costs", (string? from, string? to, Database database) =>
            Breakdown(database, from, to) is { } breakdown
                ? Results.Text(breakdown.ToJson(), "application/json")
                : BadRange());

        app.MapGet("/api/analytics/agent-costs.svg", (string? from, string? to, Database database) =>
            Breakdown(database, from, to) is { } breakdown
                ? Results.Text(ReportCommand.CreatePieChart(breakdown).GetSvgXml(ReportCommand.ChartWidth, ReportCommand.ChartHeight), "image/svg+xml")
                : BadRange());
    }

    private static CostBreakdown? Breakdown(Database database, string? from, string? to)
    {
        if (!TryParseTime(from, out var start) || !TryParseTime(to, out var end))
        {
            return null;
        }

        var missions = ReadStrings(
            database,
            "SELECT agentCosts FROM Mission WHERE ($from IS NULL OR startedAt >= $from) AND ($to IS NULL OR startedAt < $to) ORDER BY id",
            ("$from", start?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("$to", end?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        return CostBreakdown.From(missions.Select(json => MissionCosts.Parse(json!)));
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

    private static List<string?> ReadStrings(Database database, string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = database.Open();
        return Database.ReadStrings(connection, sql, parameters);
    }

    private static AdminToken AdminTokenFrom(IConfiguration configuration)
    {
        string identity = configuration["Dashboard:AdminName"] ?? "dashboard-admin";
        if (configuration["Dashboard:AdminToken"] is { Length: > 0 } configured)
        {
            return new AdminToken(configured, identity);
        }

        string generated = AdminToken.Generate();
        AnsiConsole.MarkupLine($"[yellow]warning:[/] Dashboard:AdminToken (environment Dashboard__AdminToken) is not set; this run's development admin token, shown once: [bold]{generated}[/]");
        return new AdminToken(generated, identity);
    }

    internal sealed record RotationResponse(int Version, string RotatedAt, string RotatedBy);

    internal sealed record KeyStatus(int Version, string State, long Ciphertexts);

    internal sealed record VaultStatus(int ActiveVersion, IReadOnlyList<KeyStatus> Keys, long Malformed, ReencryptionStatus Reencryption);
}
