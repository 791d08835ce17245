using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using MissionHost.Commands;
using MissionHost.Dashboard;
using MissionHost.Data;
using MissionHost.Hosting;

namespace MissionHost.Tests;

/// <summary>A fresh sample database (profiles, missions, key ring) in a temporary folder.</summary>
public sealed class SampleData : IAsyncLifetime
{
    /// <summary>A token as strong as a generated one (32 characters, high entropy).</summary>
    public const string AdminToken = "Tq7-vXe2Lm9_RkP4wYb8ZsN1cHd6GjF3";

    /// <summary>A sample on SQLite (the default) or, given a connection string, on PostgreSQL.</summary>
    internal SampleData(string? postgres = null)
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("missionhost-tests-").FullName, "missionhost.db");
        Target = postgres is null ? DatabaseTarget.Sqlite(file) : DatabaseTarget.Postgres(postgres, Path.GetDirectoryName(file)!);
    }

    public SampleData()
        : this(null)
    {
    }

    internal DatabaseTarget Target { get; }

    internal DataPaths Paths => Target.Paths;

    public async ValueTask InitializeAsync()
    {
        await using var host = await SampleHost.StartAsync(Target, createIfMissing: true, CancellationToken.None);
        await SeedCommand.RunAsync(host, 300, CancellationToken.None);
        await MissionsCommand.RunAsync(host, 4, 7, CancellationToken.None);
    }

    /// <summary>Runs SQL on the sample's database (FormattableString: the arguments become parameters).</summary>
    internal async Task ExecuteAsync(FormattableString sql)
    {
        await using var context = Target.CreateContext();
        await context.Database.ExecuteSqlAsync(sql);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Paths.Directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>The dashboard app on the in-memory test server.</summary>
    internal Task<WebApplication> CreateTestAppAsync(int rotationsPerMinute = 100, int failedAttemptsPerMinute = 100, Action<WebApplicationBuilder>? configure = null) =>
        DashboardApp.BuildAsync(Target, [], builder =>
        {
            builder.WebHost.UseTestServer();
            Configure(builder, rotationsPerMinute, failedAttemptsPerMinute);
            configure?.Invoke(builder);
        });

    /// <summary>The dashboard app on Kestrel, on a free loopback port.</summary>
    internal Task<WebApplication> CreateKestrelAppAsync() =>
        DashboardApp.BuildAsync(Target, ["--urls", "http://127.0.0.1:0"], builder => Configure(builder, 100, 100));

    private static void Configure(WebApplicationBuilder builder, int rotationsPerMinute, int failedAttemptsPerMinute) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dashboard:AdminToken"] = AdminToken,
            ["Dashboard:RotationsPerMinute"] = rotationsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dashboard:FailedAttemptsPerMinute"] = failedAttemptsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dashboard:ReencryptionFirstRetry"] = "00:00:00.200",
            ["Dashboard:ReencryptionMaxRetry"] = "00:00:01",
        });
}
