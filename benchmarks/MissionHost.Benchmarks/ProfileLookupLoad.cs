using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using MissionHost.Commands;
using MissionHost.Dashboard;
using MissionHost.Data;
using MissionHost.Hosting;
using MissionHost.Keys;
using Npgsql;

namespace MissionHost.Benchmarks;

/// <summary>
/// <c>profile-lookup [profiles]</c>: the latency of <c>GET /api/profiles?email=</c> (blind index lookup, exact
/// comparison after decrypting) on the sample's dashboard, on Kestrel, with 4 clients asking for random profiles at
/// once: p50, p99 and the slowest of 8,000 requests after 400 of warm-up. The database (1,000,000 profiles by default,
/// seeded through the sample's <c>seed</c> once and kept in the temp folder) is SQLite, or PostgreSQL when
/// VERSIONEDENVELOPE_POSTGRES is set. Latency under concurrency is what this measures, so it is a harness of its own
/// rather than a BenchmarkDotNet job, which times one caller.
/// </summary>
internal static class ProfileLookupLoad
{
    private const int Clients = 4;
    private const int RequestsPerClient = 2_000;
    private const int WarmUpPerClient = 100;
    private const string AdminToken = "bench-Tq7vXe2Lm9RkP4wYb8ZsN1cHd6GjF3";

    public static async Task<int> RunAsync(string[] args)
    {
        int profiles = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        string folder = Path.Combine(Path.GetTempPath(), $"missionhost-lookup-{profiles}");
        Directory.CreateDirectory(folder);
        string? server = Environment.GetEnvironmentVariable("VERSIONEDENVELOPE_POSTGRES");
        var target = server is null
            ? DatabaseTarget.Sqlite(Path.Combine(folder, "missionhost.db"))
            : DatabaseTarget.Postgres(new NpgsqlConnectionStringBuilder(server) { Database = $"missionhost_lookup_{profiles}", CommandTimeout = 600 }.ToString(), folder);

        await using (var host = await SampleHost.StartAsync(target, createIfMissing: true, CancellationToken.None))
        {
            await using var context = host.CreateContext();
            long present = await context.UserProfiles.LongCountAsync();
            if (present < profiles)
            {
                await SeedCommand.RunAsync(host, (int)(profiles - present), CancellationToken.None);
            }
        }

        await using var app = await DashboardApp.BuildAsync(target, ["--urls", "http://127.0.0.1:0"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Dashboard:AdminToken"] = AdminToken }));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);

        await RunClientsAsync(http, profiles, WarmUpPerClient, seed: 1);
        var latencies = await RunClientsAsync(http, profiles, RequestsPerClient, seed: 2);
        Array.Sort(latencies);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"GET /api/profiles?email= on {profiles:N0} profiles ({target.Describe()}), {Clients} clients, {latencies.Length:N0} requests: p50 {Percentile(latencies, 0.50):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms, max {latencies[^1]:F2} ms"));
        await app.StopAsync();
        return 0;
    }

    private static async Task<double[]> RunClientsAsync(HttpClient http, int profiles, int requests, int seed)
    {
        var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random((seed * 100) + client);
            var times = new double[requests];
            for (int i = 0; i < requests; i++)
            {
                string email = SampleSecrets.Email(random.Next(1, profiles + 1));
                long start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync($"/api/profiles?email={Uri.EscapeDataString(email)}");
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                response.EnsureSuccessStatusCode();
            }

            return times;
        }));
        return [.. (await Task.WhenAll(clients)).SelectMany(t => t)];
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
