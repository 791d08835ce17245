using Microsoft.Playwright;
using MissionHost.Commands;
using MissionHost.Missions;

namespace MissionHost.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium driven by Playwright. Set DASHBOARD_SCREENSHOT to a path to keep a
/// screenshot (docs/dashboard.png is made this way).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class BrowserTests(SampleData data)
{
    /// <summary>Debian's Chromium, where it installs or wherever the PATH finds it.</summary>
    private static readonly string? Chromium = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : Shared.Tests.LocalProcess.FindOnPath("chromium");

    private static void RequireChromium()
    {
        if (Chromium is null)
        {
            // CI installs Chromium, so there a missing browser is a failure; on a developer machine the test is skipped.
            Shared.Tests.ExternalPart.Missing("Chromium is not installed (apt-get install -y chromium); .ci/run installs it.");
        }
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = Chromium,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    /// <summary>A page that records every Content-Security-Policy violation the browser reports.</summary>
    private static async Task<(IPage Page, List<string> Violations)> OpenAsync(IBrowser browser, string url)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 1400 } });
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };
        await page.GotoAsync(url);
        return (page, violations);
    }

    [Trait("Category", "Slow")]
    [Fact]
    public async Task Dashboard_ShowsChartAndTables_RotatesWithTokenAndShowsNewVersion()
    {
        RequireChromium();
        var ct = TestContext.Current.CancellationToken;
        await using var app = await data.CreateKestrelAppAsync();
        await app.StartAsync(ct);
        string url = app.Urls.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var (page, violations) = await OpenAsync(browser, url);
        var response = await page.ReloadAsync();
        Assert.Contains("frame-ancestors 'none'", (await response!.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);

        await Assertions.Expect(page.Locator("#breakdown tbody tr")).ToHaveCountAsync(MissionSimulator.AgentCount);
        await Assertions.Expect(page.Locator("#inventory tbody tr").First).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('chart').complete && document.getElementById('chart').naturalWidth > 0"));
        int before = await page.Locator("#history tbody tr").CountAsync();

        await page.FillAsync("#token", "wrong");
        await page.ClickAsync("#rotate");
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("admin bearer token");

        await page.FillAsync("#token", SampleData.AdminToken);
        await page.ClickAsync("#rotate");
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Done: every secret is under v", new() { Timeout = 30_000 });

        await Assertions.Expect(page.Locator("#history tbody tr")).ToHaveCountAsync(before + 1);
        string active = (await page.Locator("#active").TextContentAsync())!;
        await Assertions.Expect(page.Locator("#history tbody tr").Last).ToContainTextAsync(active);
        await Assertions.Expect(page.Locator("#history tbody tr").Last).ToContainTextAsync("dashboard-admin");
        await Assertions.Expect(page.Locator("#progress-text")).ToContainTextAsync("300 re-encrypted");

        string screenshot = Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOT") is { Length: > 0 } path
            ? path
            : Path.Combine(data.Paths.Directory, "dashboard.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000);
        Assert.Empty(violations);
    }

    [Fact]
    public async Task Dashboard_TenThousandCharacterAgentName_IsShortenedWithTheFullNameOnHoverAndTheChartDraws()
    {
        RequireChromium();
        var ct = TestContext.Current.CancellationToken;
        var own = new SampleData();
        await own.InitializeAsync();
        try
        {
            string longName = string.Concat(Enumerable.Repeat("very-long-agent-name-", 500));
            string json = $"{{\"{longName}\":{{\"tokens\":1,\"cost\":7,\"duration\":1}}}}";
            await own.ExecuteAsync($"""INSERT INTO "Mission" ("name", "cost", "agentCosts", "startedAt", "completedAt") VALUES ('long', 7, {json}, {Time(0)}, {Time(1)})""");

            await using var app = await own.CreateKestrelAppAsync();
            await app.StartAsync(ct);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchAsync(playwright);
            var (page, violations) = await OpenAsync(browser, app.Urls.First());

            var cell = page.Locator("#breakdown tbody tr td:first-child", new() { HasText = "very-long-agent-name-" });
            await Assertions.Expect(cell).ToHaveCountAsync(1);
            Assert.Equal(longName, await cell.GetAttributeAsync("title"));
            Assert.True((await cell.TextContentAsync())!.Length <= ReportCommand.NameLength);
            Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 1280);
            await Assertions.Expect(page.Locator("#chart")).ToBeVisibleAsync();
            Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('chart').complete && document.getElementById('chart').naturalWidth > 0"));
            Assert.Empty(violations);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    private static DateTimeOffset Time(int seconds) => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds);
}
