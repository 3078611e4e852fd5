using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Hls;

/// <summary>HLS against a real origin, gateway and ffmpeg (the browser plays the stream): segments, variants, playlists.</summary>
[Collection(HlsCollection.Name)]
public sealed class HlsStreamTests(HlsGatewayFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private HlsGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Ffprobe_reads_every_segment_of_a_running_stream_and_each_starts_with_a_key_frame()
    {
        var master = await Gateway.Http.GetStringAsync("/streams/live/index.m3u8");
        Assert.Contains("hls/v1/index.m3u8", master);
        const string media = "/streams/live/hls/v1/index.m3u8";
        var playlist = await Gateway.MediaPlaylistAsync(media, 5, Patience);

        var segments = HlsGateway.Segments(playlist);
        Assert.True(segments.Count >= 5);
        foreach (var segment in segments)
        {
            var file = await DownloadWithInitAsync(media, playlist, segment);
            var probe = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", file);
            Assert.True(probe.ExitCode == 0 && probe.StandardError.Trim().Length == 0, $"{segment}: {probe}");
            Assert.Contains("h264,320,240", probe.StandardOutput);
            Assert.Contains("aac", probe.StandardOutput);
            var frames = await FirstVideoFramesAsync(file);
            Assert.True(frames.Count > 0, $"{segment} has no video frame");
            Assert.Equal(("1", "I"), frames[0]);
            Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(file));
        }
    }

    [Fact]
    public async Task A_multi_bitrate_stream_has_one_variant_per_video_stream()
    {
        var master = await Gateway.Http.GetStringAsync("/streams/mbrlive/index.m3u8");
        var variants = Regex.Matches(master, "#EXT-X-STREAM-INF:([^\n]+)\n([^\n]+)").Select(m => (Attributes: m.Groups[1].Value, Uri: m.Groups[2].Value)).ToList();
        Assert.True(variants.Count == 3, master);
        var bandwidths = variants.Select(v => long.Parse(Regex.Match(v.Attributes, "(?:^|,)BANDWIDTH=(\\d+)").Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(bandwidths.OrderDescending().SequenceEqual(bandwidths), master); // best first, as smart streaming would start
        Assert.Equal(3, bandwidths.Distinct().Count());
        Assert.All(variants, v => Assert.Matches("CODECS=\"avc1\\.64[0-9a-f]{4},mp4a\\.40\\.2\"", v.Attributes));
        Assert.Equal(["320x240", "320x240", "160x120"], variants.Select(v => Regex.Match(v.Attributes, "RESOLUTION=(\\d+x\\d+)").Groups[1].Value));

        // Every variant plays: its first segment is the right picture size and starts with a key frame.
        foreach (var (attributes, uri) in variants)
        {
            var media = "/streams/mbrlive/" + uri;
            var playlist = await Gateway.MediaPlaylistAsync(media, 1, Patience);
            var segment = HlsGateway.Segments(playlist)[0];
            var file = await DownloadWithInitAsync(media, playlist, segment);
            var size = Regex.Match(attributes, "RESOLUTION=(\\d+)x(\\d+)");
            var probe = await ToolRunner.FfprobeAsync("-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", file);
            Assert.Equal($"{size.Groups[1].Value},{size.Groups[2].Value}", probe.StandardOutput.Trim());
            Assert.Equal(("1", "I"), (await FirstVideoFramesAsync(file))[0]);
        }
    }

    [Fact]
    public async Task An_audio_only_source_becomes_audio_only_hls()
    {
        var master = await Gateway.Http.GetStringAsync("/streams/audiolive/index.m3u8");
        Assert.Contains("CODECS=\"mp4a.40.2\"", master);
        Assert.DoesNotContain("RESOLUTION", master);
        Assert.Contains("hls/audio/index.m3u8", master);
        const string media = "/streams/audiolive/hls/audio/index.m3u8";
        var playlist = await Gateway.MediaPlaylistAsync(media, 4, Patience);
        var segments = HlsGateway.Segments(playlist);
        using var response = await Gateway.Http.GetAsync(new Uri(Gateway.Harness.Url(media), segments[^1]));
        Assert.Equal("audio/mp4", response.Content.Headers.ContentType?.MediaType);
        foreach (var segment in segments)
        {
            var file = await DownloadWithInitAsync(media, playlist, segment);
            var probe = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "csv=p=0", file);
            Assert.Equal("aac,audio", probe.StandardOutput.Trim());
            Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(file));
        }
        // Audio-only segments are cut near the target duration too (the first one of an ffmpeg run, after its
        // EXT-X-MAP, is short for a quick start).
        var durations = new List<double>();
        var afterMap = false;
        foreach (var line in playlist.Split('\n'))
        {
            if (line.StartsWith("#EXT-X-MAP:", StringComparison.Ordinal)) afterMap = true;
            if (!line.StartsWith("#EXTINF:", StringComparison.Ordinal)) continue;
            if (!afterMap) durations.Add(double.Parse(line[8..].TrimEnd(','), CultureInfo.InvariantCulture));
            afterMap = false;
        }
        Assert.NotEmpty(durations);
        Assert.All(durations, d => Assert.InRange(d, 0.7, 1.5));
    }

    [Fact]
    public async Task Browser_safe_codecs_are_copied_not_encoded_again()
    {
        var master = await Gateway.Http.GetStringAsync("/streams/h264live/index.m3u8");
        Assert.Matches("CODECS=\"avc1\\.[0-9a-f]{6},mp4a\\.40\\.2\"", master);
        const string media = "/streams/h264live/hls/v1/index.m3u8";
        var playlist = await Gateway.MediaPlaylistAsync(media, 3, Patience);
        var rendition = Gateway.Hls.Find("h264live", "v1")!;
        Assert.True(rendition.Variant.CopyVideo && rendition.Variant.CopyAudio);
        foreach (var segment in HlsGateway.Segments(playlist))
        {
            var file = await DownloadWithInitAsync(media, playlist, segment);
            var probe = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "stream=codec_name:stream_tags=encoder", "-of", "csv=p=0", file);
            Assert.Contains("h264", probe.StandardOutput);
            Assert.Contains("aac", probe.StandardOutput);
            Assert.Equal(("1", "I"), (await FirstVideoFramesAsync(file))[0]);
            Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(file));
        }
    }

    [Fact]
    public async Task Playlists_and_segments_have_their_content_types_and_caching_headers()
    {
        using var master = await Gateway.Http.GetAsync("/streams/live/index.m3u8");
        Assert.Equal("application/vnd.apple.mpegurl", master.Content.Headers.ContentType?.MediaType);
        Assert.True(master.Headers.CacheControl?.NoCache);

        const string media = "/streams/live/hls/v1/index.m3u8";
        var text = await Gateway.MediaPlaylistAsync(media, 1, Patience);
        using var playlist = await Gateway.Http.GetAsync(media);
        Assert.Equal("application/vnd.apple.mpegurl", playlist.Content.Headers.ContentType?.MediaType);
        Assert.True(playlist.Headers.CacheControl?.NoCache);
        foreach (var tag in new[] { "#EXT-X-TARGETDURATION:", "#EXT-X-PART-INF:PART-TARGET=", "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES", "#EXT-X-MAP:URI=", "#EXT-X-PART:", "#EXT-X-PRELOAD-HINT:TYPE=PART" })
            Assert.Contains(tag, text);

        var segment = HlsGateway.Segments(text)[^1];
        foreach (var uri in new[] { HlsGateway.InitFor(text, segment), segment, Regex.Match(text, "#EXT-X-PART:[^\n]*URI=\"([^\"]+)\"").Groups[1].Value })
        {
            using var response = await Gateway.Http.GetAsync(new Uri(Gateway.Harness.Url(media), uri));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.Public);
            Assert.True(response.Headers.CacheControl?.MaxAge >= TimeSpan.FromHours(1));
            Assert.Contains("immutable", response.Headers.CacheControl!.ToString());
        }
        using var gone = await Gateway.Http.GetAsync(new Uri(Gateway.Harness.Url(media), "0/999999.m4s"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Blocking_playlist_reload_answers_when_the_requested_part_exists()
    {
        const string media = "/streams/live/hls/v1/index.m3u8";
        var text = await Gateway.MediaPlaylistAsync(media, 1, Patience);
        var hint = Regex.Match(text, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"([^/]+)/(\\d+)\\.(\\d+)\\.m4s\"");
        Assert.True(hint.Success, text);
        var (msn, part) = (long.Parse(hint.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(hint.Groups[3].Value, CultureInfo.InvariantCulture));

        // The hinted part itself is sent as soon as it is there (blocking preload).
        var watch = Stopwatch.StartNew();
        var partTask = Gateway.Http.GetAsync(new Uri(Gateway.Harness.Url(media), $"{hint.Groups[1].Value}/{msn}.{part}.m4s"));
        using var blocked = await Gateway.Http.GetAsync($"{media}?_HLS_msn={msn}&_HLS_part={part}");
        Assert.Equal(HttpStatusCode.OK, blocked.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"blocking reload took {watch.Elapsed}");
        var reloaded = await blocked.Content.ReadAsStringAsync();
        // The hinted part exists now, unless the segment closed at a key frame before reaching that part index:
        // then the reload answers with the segment complete (RFC 8216bis 6.2.5.2) and the hinted part never comes.
        var partListed = reloaded.Contains($"/{msn}.{part}.m4s\"", StringComparison.Ordinal);
        Assert.True(partListed || reloaded.Contains($"/{msn}.m4s", StringComparison.Ordinal), reloaded);
        using var partResponse = await partTask;
        if (partListed)
        {
            Assert.Equal(HttpStatusCode.OK, partResponse.StatusCode);
            Assert.True((await partResponse.Content.ReadAsByteArrayAsync()).Length > 100);
        }

        // Waiting for a whole segment, and asking for one far ahead of the live edge.
        using var segment = await Gateway.Http.GetAsync($"{media}?_HLS_msn={msn}");
        Assert.Contains($"/{msn}.m4s", await segment.Content.ReadAsStringAsync());
        using var tooFar = await Gateway.Http.GetAsync($"{media}?_HLS_msn={msn + 50}");
        Assert.Equal(HttpStatusCode.BadRequest, tooFar.StatusCode);
    }

    [Fact]
    public async Task The_player_page_and_its_bundled_script_are_served()
    {
        var page = await Gateway.Http.GetStringAsync("/streams/live/");
        Assert.Contains("<video", page);
        Assert.Contains("src=\"../../player/hls.min.js\"", page);
        Assert.DoesNotContain("//cdn", page, StringComparison.OrdinalIgnoreCase);
        using var script = await Gateway.Http.GetAsync("/player/hls.min.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000);
        using var noSlash = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Gateway.BaseAddress };
        using var redirect = await noSlash.GetAsync("/streams/live");
        Assert.Equal("/streams/live/", redirect.Headers.Location?.ToString());
        var index = await Gateway.Http.GetStringAsync("/");
        Assert.Contains("href=\"/streams/live/\"", index);

        using var onDemand = await Gateway.Http.GetAsync("/streams/file/index.m3u8");
        Assert.Equal(HttpStatusCode.NotFound, onDemand.StatusCode);
        Assert.Contains("on demand", await onDemand.Content.ReadAsStringAsync());
        using var unknown = await Gateway.Http.GetAsync("/streams/nosuch/index.m3u8");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    /// <summary>Downloads a segment and the init segment before it, joined into one playable file.</summary>
    internal async Task<string> DownloadWithInitAsync(string media, string playlist, string segment)
    {
        var baseUri = Gateway.Harness.Url(media);
        var init = await Gateway.Http.GetByteArrayAsync(new Uri(baseUri, HlsGateway.InitFor(playlist, segment)));
        var body = await Gateway.Http.GetByteArrayAsync(new Uri(baseUri, segment));
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-hls-").FullName, "segment.mp4");
        await File.WriteAllBytesAsync(path, [.. init, .. body]);
        return path;
    }

    /// <summary>(key_frame, pict_type) of the first video frames of a file.</summary>
    internal static async Task<List<(string Key, string Type)>> FirstVideoFramesAsync(string file)
    {
        var probe = await ToolRunner.FfprobeAsync("-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#3",
            "-show_entries", "frame=key_frame,pict_type", "-of", "csv=p=0", file);
        return probe.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(',')).Where(f => f.Length >= 2).Select(f => (f[0], f[1])).ToList();
    }
}
