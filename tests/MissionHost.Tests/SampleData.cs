using MissionHost.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace MissionHost.Tests;

/// <summary>A fresh sample database (profiles, missions, key ring) in a temporary folder.</summary>
public sealed class SampleData : IAsyncLifetime
{
    /// <summary>A token as strong as a generated one (32 characters, high entropy).</summary>
    public const string AdminToken = "Tq7-vXe2Lm9_RkP4wYb8ZsN1cHd6GjF3";

    internal DataPaths Paths { get; } = DataPaths.For(Path.Combine(Directory.CreateTempSubdirectory("missionhost-tests-").FullName, "missionhost.db"));

    public async ValueTask InitializeAsync()
    {
        using var host = SampleHost.Start(Paths, createIfMissing: true);
        await SeedCommand.RunAsync(host, 300, CancellationToken.None);
        await MissionsCommand.RunAsync(host, 4, 7, CancellationToken.None);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Paths.Directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>The dashboard app on the in-memory test server.</summary>
    internal WebApplication CreateTestApp(int rotationsPerMinute = 100, int failedAttemptsPerMinute = 100, Action<WebApplicationBuilder>? configure = null) =>
        DashboardApp.Build(Paths, [], builder =>
        {
            builder.WebHost.UseTestServer();
            Configure(builder, rotationsPerMinute, failedAttemptsPerMinute);
            configure?.Invoke(builder);
        });

    /// <summary>The dashboard app on Kestrel, on a free loopback port.</summary>
    internal WebApplication CreateKestrelApp() =>
        DashboardApp.Build(Paths, ["--urls", "http://127.0.0.1:0"], builder => Configure(builder, 100, 100));

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
