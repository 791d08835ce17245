using Microsoft.Playwright;

namespace MissionHost.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium driven by Playwright. Set DASHBOARD_SCREENSHOT to a path to keep a
/// screenshot (docs/dashboard.png is made this way).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class BrowserTests(SampleData data)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Dashboard_ShowsChartAndTables_RotatesWithTokenAndShowsNewVersion()
    {
        if (!File.Exists(Chromium))
        {
            // CI installs Chromium, so there a missing browser is a failure; on a developer machine the test is skipped.
            string why = $"{Chromium} is not installed (apt-get install -y chromium); .ci/run installs it.";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(why);
            }

            Assert.Skip(why);
        }

        var ct = TestContext.Current.CancellationToken;
        await using var app = data.CreateKestrelApp();
        await app.StartAsync(ct);
        string url = app.Urls.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 1400 } });
        await page.GotoAsync(url);

        await Assertions.Expect(page.Locator("#breakdown tbody tr")).ToHaveCountAsync(5);
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
    }
}
