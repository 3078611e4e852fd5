using System.Text.RegularExpressions;
using MmsGateway.Testing;
using MmsGateway.Tests.Hls;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Adaptation;

/// <summary>HLS under smart streaming: a rendition keeps producing segments of its own size when the hub steps down.</summary>
[Collection(TimingCollection.Name)]
public sealed class SmartStreamingHlsTests
{
    [Fact]
    public async Task A_rendition_follows_the_upstream_step_after_a_discontinuity_at_its_own_picture_size()
    {
        var ladder = await GeneratedMedia.SmartStreamingLadderAsync();
        await using var gateway = await GatewayHarness.StartAsync(new Dictionary<string, string> { ["ladder"] = ladder }, origin =>
        [
            $"--Gateway:Streams:smart:Source=mmst://127.0.0.1:{origin.MmstPort}/ladder",
            "--Gateway:Adaptation:Window=00:00:02",
            "--Gateway:Adaptation:BehindLimit=00:00:01",
            "--Gateway:Adaptation:Settle=00:00:01",
            "--Gateway:Adaptation:HoldOff=00:01:00",
            "--Gateway:Adaptation:MeasureFor=00:00:04",
        ]);
        var http = gateway.Http;
        var master = await http.GetStringAsync("/streams/smart/index.m3u8");
        var variants = Regex.Matches(master, "#EXT-X-STREAM-INF:([^\n]+)\n([^\n]+)").Select(m => (Attributes: m.Groups[1].Value, Uri: m.Groups[2].Value)).ToList();
        Assert.True(variants.Count == 3, master);
        var (attributes, uri) = variants[0];
        Assert.Contains("RESOLUTION=640x480", attributes);
        var media = "/streams/smart/" + uri;

        // Wait until the hub has settled on the top stream and the top rendition is cutting segments.
        var deadline = DateTime.UtcNow.AddSeconds(40);
        AdaptationState state;
        while (!((state = await AdaptationState.ReadAsync(http, "smart")).Step == 0 && state.SelectedStreams.SequenceEqual([1, 4])))
        {
            Assert.True(DateTime.UtcNow < deadline, state.ToString());
            await Task.Delay(300);
        }
        string playlist;
        while (HlsGateway.Segments(playlist = await http.GetStringAsync(media)).Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, playlist);
            await Task.Delay(300);
        }

        gateway.Origin.RateBps = SmartStreamingTests.CapBetween(state.BitrateOf(0, 2, 4), state.BitrateOf(0, 1, 4));
        deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            playlist = await http.GetStringAsync(media);
            var after = playlist.Split("#EXT-X-DISCONTINUITY\n").Skip(1).LastOrDefault();
            if (after is not null && HlsGateway.Segments(after).Count >= 2) break;
            Assert.True(DateTime.UtcNow < deadline, $"no segments after a discontinuity: {await AdaptationState.ReadAsync(http, "smart")}\n{playlist}");
            await Task.Delay(500);
        }
        state = await AdaptationState.ReadAsync(http, "smart");
        Assert.DoesNotContain(1, state.SelectedStreams); // the hub left the 640x480 stream

        // The newest segment is still 640x480 (scaled from what arrives now) and starts with a key frame.
        var segment = HlsGateway.Segments(playlist)[^1];
        var init = HlsGateway.InitFor(playlist, segment);
        var baseUri = gateway.Url(media);
        var bytes = (await http.GetByteArrayAsync(new Uri(baseUri, init))).Concat(await http.GetByteArrayAsync(new Uri(baseUri, segment))).ToArray();
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-hlsfollow-").FullName, "segment.mp4");
        await File.WriteAllBytesAsync(path, bytes);
        var probe = await ToolRunner.FfprobeAsync("-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path);
        Assert.Equal("640,480", probe.StandardOutput.Trim());
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }
}
