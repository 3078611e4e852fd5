using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace MmsGateway.Tests.Hls;

/// <summary>ffmpeg's life: started on demand, stopped when idle and reaped, restarted when it dies, and a missing ffmpeg.</summary>
[Collection(HlsCollection.Name)]
public sealed class HlsSupervisionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Media = "/streams/live/hls/v1/index.m3u8";

    [Fact]
    public async Task Ffmpeg_starts_on_the_first_request_stops_when_idle_and_is_reaped()
    {
        await using var gateway = await HlsGateway.StartAsync("--Gateway:Hls:IdleTimeout=00:00:01");
        Assert.Null(await gateway.Harness.MetricAsync("mmsgw_transcoders", "stream=\"live\""));
        await gateway.MediaPlaylistAsync(Media, 1, Patience);
        var rendition = gateway.Hls.Find("live", "v1");
        Assert.NotNull(rendition);
        var epoch = rendition.Epoch;
        var pid = rendition.ProcessId;
        Assert.NotNull(pid);
        Assert.Equal(1, await gateway.Harness.MetricAsync("mmsgw_transcoders", "stream=\"live\""));
        Assert.True(await gateway.Harness.MetricAsync("mmsgw_hls_segments_total", "variant=\"v1\"") >= 1);
        Assert.Equal(1, await gateway.Harness.MetricAsync("mmsgw_viewers", "output=\"hls\""));

        // Nobody asks for anything: the rendition ends, its ffmpeg is gone (not even a zombie) and the hub viewer left.
        // The rendition leaves the registry first, then stops its ffmpeg (stdin closed, a grace period, a kill, the wait).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((gateway.Hls.Find("live", "v1") is not null || Directory.Exists($"/proc/{pid}")
                || await gateway.Harness.MetricAsync("mmsgw_transcoders", "stream=\"live\"") != 0) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Null(gateway.Hls.Find("live", "v1"));
        Assert.False(Directory.Exists($"/proc/{pid}"), $"ffmpeg {pid} is still there");
        Assert.Equal(0, await gateway.Harness.MetricAsync("mmsgw_transcoders", "stream=\"live\""));
        Assert.Equal(0, await gateway.Harness.MetricAsync("mmsgw_viewers", "output=\"hls\""));
        var ended = rendition.Segmenter.Current.NextMsn;

        // Asked again, it starts again: new URIs, and the media sequence goes on behind a discontinuity.
        var again = await gateway.MediaPlaylistAsync(Media, 1, Patience);
        Assert.DoesNotContain(epoch + "/", again);
        Assert.True(long.Parse(Regex.Match(again, "#EXT-X-MEDIA-SEQUENCE:(\\d+)").Groups[1].Value, CultureInfo.InvariantCulture) >= ended, again);
        Assert.Contains("#EXT-X-DISCONTINUITY\n", again);
    }

    [Fact]
    public async Task A_dead_ffmpeg_is_restarted_and_its_segments_follow_a_discontinuity()
    {
        await using var gateway = await HlsGateway.StartAsync("--Gateway:Hls:RestartInitialDelay=00:00:00.200");
        await gateway.MediaPlaylistAsync(Media, 2, Patience);
        var rendition = gateway.Hls.Find("live", "v1")!;
        using (var ffmpeg = Process.GetProcessById(rendition.ProcessId!.Value)) ffmpeg.Kill();

        var playlist = await WaitForAsync(gateway, p => AfterDiscontinuity(p) >= 2);
        Assert.Contains("#EXT-X-MAP:URI=\"" + rendition.Epoch + "/init2.mp4\"", playlist);
        Assert.Equal(2, rendition.Runs);
        // The segment after the discontinuity plays with its new init segment.
        var segment = HlsGateway.Segments(playlist)[^1];
        var file = await DownloadAsync(gateway, playlist, segment);
        Assert.Equal(("1", "I"), (await HlsStreamTests.FirstVideoFramesAsync(file))[0]);
    }

    [Fact]
    public async Task An_upstream_reconnect_marks_a_discontinuity_and_playback_goes_on()
    {
        await using var gateway = await HlsGateway.StartAsync();
        await gateway.MediaPlaylistAsync(Media, 2, Patience);
        await gateway.Harness.StopOriginAsync();
        await Task.Delay(1500);
        await gateway.Harness.RestartOriginAsync();

        var playlist = await WaitForAsync(gateway, p => AfterDiscontinuity(p) >= 2);
        Assert.DoesNotContain("init2.mp4", playlist); // the same ffmpeg run went on
        var segment = HlsGateway.Segments(playlist)[^1];
        Assert.Equal(("1", "I"), (await HlsStreamTests.FirstVideoFramesAsync(await DownloadAsync(gateway, playlist, segment)))[0]);
    }

    [Fact]
    public async Task A_missing_ffmpeg_gives_one_clear_error()
    {
        await using var gateway = await HlsGateway.StartAsync("--Gateway:Hls:FfmpegPath=/nonexistent/ffmpeg");
        var logs = new LogCollector();
        gateway.Harness.Gateway.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Http.GetAsync(i == 0 ? "/streams/live/index.m3u8" : Media);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("ffmpeg", text);
            Assert.Contains("/nonexistent/ffmpeg", text);
            Assert.Contains("Gateway:Hls:FfmpegPath", text);
        }
        var errors = logs.Lines.Where(l => l.Contains("/nonexistent/ffmpeg", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        // ASF viewers are not affected.
        Assert.True((await gateway.Harness.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(1))).Length > 10_000);
    }

    private static int AfterDiscontinuity(string playlist)
    {
        var at = playlist.LastIndexOf("#EXT-X-DISCONTINUITY\n", StringComparison.Ordinal);
        return at < 0 ? 0 : Regex.Matches(playlist[at..], "#EXTINF:").Count;
    }

    private static async Task<string> WaitForAsync(HlsGateway gateway, Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        string playlist;
        do
        {
            await Task.Delay(300);
            using var response = await gateway.Http.GetAsync(Media);
            playlist = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && condition(playlist)) return playlist;
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException("the playlist never got there:\n" + playlist);
    }

    private static async Task<string> DownloadAsync(HlsGateway gateway, string playlist, string segment)
    {
        var baseUri = gateway.Harness.Url(Media);
        var init = await gateway.Http.GetByteArrayAsync(new Uri(baseUri, HlsGateway.InitFor(playlist, segment)));
        var body = await gateway.Http.GetByteArrayAsync(new Uri(baseUri, segment));
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-hls-").FullName, "segment.mp4");
        await File.WriteAllBytesAsync(path, [.. init, .. body]);
        return path;
    }

    private sealed class LogCollector : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(this);
        public void Dispose() { }

        private sealed class Logger(LogCollector owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
        }
    }
}
