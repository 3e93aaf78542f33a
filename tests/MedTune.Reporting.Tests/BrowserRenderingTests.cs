using MedTune.Testing;
using System.Diagnostics;
using SkiaSharp;

namespace MedTune.Reporting.Tests;

public sealed class BrowserRenderingTests(ReportFixture fixture) : IClassFixture<ReportFixture>
{
    /// <summary>Set to a file path to keep the screenshot for a look.</summary>
    public const string KeepScreenshotVariable = "MEDTUNE_REPORT_SCREENSHOT";

    [Fact]
    [Trait("Category", "EndToEnd")]
    [Trait("Category", "SystemTools")]
    public async Task Headless_chromium_renders_the_html_report_offline()
    {
        var output = fixture.NewDirectory("report-browser");
        await ReportStageTests.Stage(fixture).RunAsync(ReportStageTests.Context(fixture, output), CancellationToken.None);
        var screenshot = Path.Combine(output, "screenshot.png");
        var profile = fixture.NewDirectory("chromium-profile");

        // Fails (never skips) without Chromium: CI must not go green without this check.
        var chromiumPath = SystemTools.RequireExecutable("chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
        var start = new ProcessStartInfo(chromiumPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--user-data-dir=" + profile, "--screenshot=" + screenshot, "--window-size=1280,2000",
                     "file://" + Path.Combine(output, HtmlReport.FileName),
                 })
            start.ArgumentList.Add(argument);
        using var chromium = Process.Start(start)!;
        var stderr = chromium.StandardError.ReadToEndAsync();
        _ = chromium.StandardOutput.ReadToEndAsync();
        if (!chromium.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            chromium.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 120 s");
        }

        Assert.True(File.Exists(screenshot), "no screenshot; chromium said: " + await stderr);
        using var bitmap = SKBitmap.Decode(screenshot);
        Assert.Equal((1280, 2000), (bitmap.Width, bitmap.Height));
        // A rendered report has text, tables and charts: a good share of the page is not background white.
        int inked = 0, sampled = 0;
        for (int y = 0; y < bitmap.Height; y += 4)
            for (int x = 0; x < bitmap.Width; x += 4, sampled++)
                if (bitmap.GetPixel(x, y) is var c && (c.Red < 230 || c.Green < 230 || c.Blue < 230)) inked++;
        Assert.True(inked > sampled / 50, $"only {inked} of {sampled} sampled pixels are not white: the page looks blank");

        if (Environment.GetEnvironmentVariable(KeepScreenshotVariable) is { Length: > 0 } keep) File.Copy(screenshot, keep, overwrite: true);
    }
}
