using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MmsGateway.Tests.Hls;
using Xunit.Abstractions;

namespace MmsGateway.Tests.Browser;

/// <summary>
/// The player page in Debian's Chromium, driven by Playwright (the browser plays the stream): for a single-bitrate stream,
/// an audio-only stream and a multi-bitrate stream, <c>currentTime</c> passes 5 s with no error event. One browser
/// for the three cases; never downloads a browser.
/// </summary>
[Collection(HlsCollection.Name)]
public sealed class PlayerBrowserTests(HlsGatewayFixture fixture, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_player_plays_single_bitrate_audio_only_and_multi_bitrate_streams()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is required (scripts/deps.sh installs it)");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--autoplay-policy=no-user-gesture-required",
            ],
        });

        var live = await PlayAsync(browser, "live");
        Assert.Equal("VIDEO", live.Element);
        Assert.Equal(1, live.Levels);

        var audio = await PlayAsync(browser, "audiolive");
        Assert.Equal("AUDIO", audio.Element);

        var master = await fixture.Gateway.Http.GetStringAsync("/streams/mbrlive/index.m3u8");
        Assert.Equal(3, Regex.Matches(master, "#EXT-X-STREAM-INF:").Count);
        var mbr = await PlayAsync(browser, "mbrlive");
        Assert.Equal("VIDEO", mbr.Element);
        Assert.Equal(3, mbr.Levels); // hls.js sees one level per video stream
    }

    private sealed record Outcome(string Element, double CurrentTime, int Levels, string Engine);

    /// <summary>Opens the player page and waits until <c>currentTime</c> passes 5 s, failing on any error event.</summary>
    private async Task<Outcome> PlayAsync(IBrowser browser, string stream)
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Add($"page error: {error}");
        // Count the media element's error events from the very start, whichever element the page ends up using.
        await page.AddInitScriptAsync("""
            window.__mediaErrors = [];
            document.addEventListener('error', e => {
              if (e.target && (e.target.tagName === 'VIDEO' || e.target.tagName === 'AUDIO'))
                window.__mediaErrors.push(e.target.error ? e.target.error.code + ' ' + e.target.error.message : 'error');
            }, true);
            """);
        var started = DateTime.UtcNow;
        await page.GotoAsync(new Uri(fixture.Gateway.BaseAddress, $"/streams/{stream}/").ToString());
        try
        {
            await page.WaitForFunctionAsync("""
                () => { const m = document.getElementById('media');
                        return (m && m.currentTime > 5) || window.__mediaErrors.length > 0
                            || (window.mmsgwPlayer && window.mmsgwPlayer.fatalErrors.length > 0); }
                """, null, new PageWaitForFunctionOptions { Timeout = 40_000, PollingInterval = 250 });
        }
        catch (TimeoutException)
        {
            output.WriteLine(await StateAsync(page));
            output.WriteLine(string.Join("\n", console));
            throw;
        }
        var state = await StateAsync(page);
        output.WriteLine($"{stream}: {DateTime.UtcNow - started:g} to currentTime > 5 s; {state}");
        using var doc = JsonDocument.Parse(state);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("mediaErrors").GetArrayLength() == 0, $"{stream}: media error events: {state}\n{string.Join("\n", console)}");
        Assert.True(root.GetProperty("fatalErrors").GetArrayLength() == 0, $"{stream}: fatal player errors: {state}\n{string.Join("\n", console)}");
        Assert.True(root.GetProperty("currentTime").GetDouble() > 5, state);
        Assert.Equal("hls.js", root.GetProperty("engine").GetString());
        Assert.False(await page.Locator("#error").IsVisibleAsync(), await page.Locator("#error").TextContentAsync() ?? "");
        // The status line follows the element's events: a short stall on a loaded machine shows "Buffering" for a moment.
        try
        {
            await page.WaitForFunctionAsync("() => document.getElementById('state').textContent.startsWith('Playing')", null,
                new PageWaitForFunctionOptions { Timeout = 15_000, PollingInterval = 250 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{stream}: the status line never showed Playing: {await StateAsync(page)}");
        }
        return new Outcome(root.GetProperty("element").GetString()!, root.GetProperty("currentTime").GetDouble(),
            root.GetProperty("levels").GetInt32(), root.GetProperty("engine").GetString()!);
    }

    private static Task<string> StateAsync(IPage page) => page.EvaluateAsync<string>("""
        () => { const m = document.getElementById('media'); const p = window.mmsgwPlayer || {};
                return JSON.stringify({ element: m ? m.tagName : null, currentTime: m ? m.currentTime : -1, engine: p.engine,
                  levels: (p.levels || []).length, mediaErrors: window.__mediaErrors.concat(p.mediaErrors || []),
                  fatalErrors: p.fatalErrors || [], otherErrors: p.otherErrors || [], state: document.getElementById('state').textContent,
                  error: document.getElementById('error').textContent, upstream: document.getElementById('upstream').textContent }); }
        """);
}
