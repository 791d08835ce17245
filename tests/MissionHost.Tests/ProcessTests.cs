using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MissionHost.Tests;

/// <summary>The sample as a process, the way an operator runs it: signals, exit codes, and what it leaves on disk.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("missionhost-process-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string SampleDll => Path.Combine(AppContext.BaseDirectory, "MissionHost.dll");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Process Start(string workingDirectory, Dictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [SampleDll, .. args])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    private Task<(int Code, string Output)> RunAsync(string workingDirectory, params string[] args) =>
        RunWithEnvironmentAsync(workingDirectory, null, args);

    private async Task<(int Code, string Output)> RunWithEnvironmentAsync(string workingDirectory, Dictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task DefaultFlow_PrintsTheCommandsThatContinueWithItsData_AndTheyWork()
    {
        var (code, output) = await RunAsync(_directory, "--users", "50", "--count", "2");

        Assert.True(code == 0, output);
        var commands = output.Split('\n')
            .Where(line => line.StartsWith("  dotnet run --project samples/MissionHost -- ", StringComparison.Ordinal))
            .Select(line => line["  dotnet run --project samples/MissionHost -- ".Length..].Trim().Split(' '))
            .ToList();
        Assert.Equal(["verify", "serve", "rotate"], commands.Select(c => c[0]));
        Assert.Contains("development root key", output, StringComparison.Ordinal);

        // A newcomer's next command, from another folder, with nothing in the environment: the data and its key ring open.
        var verify = await RunAsync(Path.GetTempPath(), commands[0]);
        Assert.True(verify.Code == 0, verify.Output);
        Assert.Contains("Verified", verify.Output, StringComparison.Ordinal);
        var rotate = await RunAsync(Path.GetTempPath(), commands[2]);
        Assert.True(rotate.Code == 0, rotate.Output);
    }

    [Fact]
    public async Task Seed_WithABadArgument_ExitsTwoAndCreatesNothing()
    {
        var (code, output) = await RunAsync(_directory, "seed", "--users", "abc", "--db", "data/missionhost.db");

        Assert.Equal(2, code);
        Assert.Contains("--users", output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task Postgres_EmptyConnectionString_ExitsTwoAndCreatesNothing()
    {
        var (code, output) = await RunAsync(_directory, "seed", "--postgres", "", "--db", "data/missionhost.db");

        Assert.Equal(2, code);
        Assert.Contains("--postgres needs a connection string", output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task Verify_OnADatabaseBeforePhase9_ExitsOneAndSaysToMigrate()
    {
        Assert.Equal(0, (await RunAsync(_directory, "legacy-seed", "--users", "3", "--db", "m.db")).Code);
        var (code, output) = await RunAsync(_directory, "verify", "--db", "m.db");

        Assert.Equal(1, code);
        Assert.Contains("'migrate'", output, StringComparison.Ordinal); // the console wraps the sentence at 80 columns
    }

    [Fact]
    public async Task PostgresFromConfiguration_MissingDatabase_ExitsOneNamingItWithoutThePassword()
    {
        await using var database = PostgresServer.Require();
        string connection = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = "not-a-real-password-42" }.ToString();
        var (code, output) = await RunWithEnvironmentAsync(_directory, new() { ["MissionHost__Postgres"] = connection }, "verify", "--db", "m.db");

        Assert.Equal(1, code);
        Assert.Contains("There is no database (PostgreSQL", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-password-42", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "m.db")));
    }

    [Fact]
    public async Task RelativeDb_IsRelativeToTheCurrentDirectory()
    {
        var (code, _) = await RunAsync(_directory, "seed", "--users", "3", "--db", "data/missionhost.db");

        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(_directory, "data", "missionhost.db")));
        Assert.True(File.Exists(Path.Combine(_directory, "data", "keyring.json")));
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Rotate_StoppedByMaxBatches_ExitsZeroWithANoteThatRunningAgainResumes()
    {
        Assert.Equal(0, (await RunAsync(_directory, "seed", "--users", "1200", "--db", "m.db")).Code);

        var (code, output) = await RunAsync(_directory, "rotate", "--by", "ops", "--max-batches", "1", "--db", "m.db");
        var (again, resumed) = await RunAsync(_directory, "rotate", "--by", "ops", "--db", "m.db");

        Assert.Equal(0, code);
        Assert.Contains("Run 'rotate' again", output, StringComparison.Ordinal);
        Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, again);
        Assert.Contains("Resuming", resumed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WeakAdminToken_ExitsTwoWithAClearMessage()
    {
        Assert.Equal(0, (await RunAsync(_directory, "seed", "--users", "3", "--db", "m.db")).Code);
        using var process = Start(_directory, new() { ["Dashboard__AdminToken"] = "a" }, "serve", "--db", "m.db", "--urls", "http://127.0.0.1:0");
        string output = await process.StandardOutput.ReadToEndAsync(Ct) + await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("too weak", output, StringComparison.Ordinal);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Serve_Sigterm_StopsGracefullyAndExitsZero()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "SIGTERM");
        Assert.Equal(0, (await RunAsync(_directory, "seed", "--users", "3", "--db", "m.db")).Code);
        int port = FreePort();
        using var process = Start(_directory, new() { ["Dashboard__AdminToken"] = SampleData.AdminToken }, "serve", "--db", "m.db", "--urls", $"http://127.0.0.1:{port}");
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        bool up = false;
        for (int i = 0; i < 150 && !up && !process.HasExited; i++)
        {
            try
            {
                up = (await http.GetAsync("/api/vault/status", Ct)).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100, Ct);
            }
        }

        Assert.True(up, "serve did not answer: " + (process.HasExited ? await output : "still starting"));
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
