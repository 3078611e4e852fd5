using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MmsGateway.Testing;

namespace MmsGateway.Origin.Tests.Rtsp;

/// <summary>
/// The origin's MS-RTSP server against GStreamer, a second peer we did not write: rtspsrc with its Windows Media
/// extension (rtspwms reads the pgmpu header, rtpasfdepay takes the x-asf-pf payloads, asfdemux and the libav
/// WMV2/WMA2 decoders), on demand and live, over TCP and UDP, single and multi-bitrate. Every decoded frame reaches a
/// fakesink that prints one line per buffer (<c>-v</c>), so the tests count frames and read their time stamps.
/// </summary>
/// <remarks>
/// Run alone (<see cref="GstreamerPeers"/>): with the other RTSP tests beside it, GStreamer's on-demand multi-bitrate
/// play hung once at its start (all four SETUPs and PLAY answered, nothing decoded for 90 s) while it plays in 7 s
/// alone. Its per-stream RTP sessions wait on each other (our origin carries every stream in the first stream's session,
/// docs/protocol/rtsp.md#s4.1), which CPU contention makes worse.
/// </remarks>
[Collection(GstreamerPeers.Name)]
public sealed partial class GstreamerPeerTests(OriginHarness origin) : IClassFixture<OriginHarness>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>One line per buffer reaching the fakesink named <c>v</c> or <c>a</c>, with its time stamp.</summary>
    [GeneratedRegex(@"GstFakeSink:(?<sink>[va]): last-message = chain .*? pts: (?<h>\d+):(?<m>\d+):(?<s>\d+\.\d+)")]
    private static partial Regex SinkBuffer();

    /// <summary>
    /// rtspsrc on demand: buffer-mode=slave. Its default for content with an end waits until every RTP session has
    /// buffered its latency, and the origin carries all ASF streams in the first stream's session, so the other session
    /// never fills and the pipeline waits at "buffering 0%" (docs/protocol/rtsp.md#s4.1).
    /// </summary>
    private static string[] Source(string url, string protocols, bool onDemand) =>
        ["rtspsrc", $"location={url}", $"protocols={protocols}", .. onDemand ? new[] { "buffer-mode=slave" } : [], "!", "decodebin", "name=d"];

    private static string[] Sink(string media, string name, int? buffers) =>
        ["d.", "!", "queue", "!", media, "!", "fakesink", $"name={name}", "silent=false", "sync=false", .. buffers is { } n ? new[] { string.Create(CultureInfo.InvariantCulture, $"num-buffers={n}") } : []];

    private sealed record Playback(ToolResult Result, IReadOnlyList<double> Video, IReadOnlyList<double> Audio, TimeSpan Elapsed);

    private static async Task<Playback> PlayAsync(string[] pipeline)
    {
        var clock = Stopwatch.StartNew();
        var result = await ToolRunner.RunAsync("gst-launch-1.0", ["-v", .. pipeline], Deadline);
        clock.Stop();
        Assert.True(result.ExitCode == 0 && !result.TimedOut, $"gst-launch-1.0 {string.Join(' ', pipeline)}: {result}");
        Assert.Contains("Got EOS from element", result.StandardOutput, StringComparison.Ordinal);
        AssertNoComplaints(result);
        var buffers = SinkBuffer().Matches(result.StandardOutput);
        double Seconds(Match m) => (int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture) * 3600)
            + (int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture) * 60) + double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture);
        return new Playback(result,
            buffers.Where(m => m.Groups["sink"].Value == "v").Select(Seconds).ToList(),
            buffers.Where(m => m.Groups["sink"].Value == "a").Select(Seconds).ToList(),
            clock.Elapsed);
    }

    /// <summary>
    /// No ERROR and no WARNING from the pipeline, but for two that GStreamer itself always gives with a WMS server:
    /// rtspsrc reports the end-of-stream request as "The server closed the connection" (docs/protocol/rtsp.md#s5.4),
    /// and rtpasfdepay pushes the ASF header while it reads the caps, before any segment event (docs/protocol/rtsp.md#s3.2).
    /// </summary>
    private static void AssertNoComplaints(ToolResult result)
    {
        var stdout = result.StandardOutput.Split('\n');
        Assert.DoesNotContain(stdout, l => l.StartsWith("ERROR", StringComparison.Ordinal));
        for (var i = 0; i < stdout.Length; i++)
        {
            if (!stdout[i].StartsWith("WARNING", StringComparison.Ordinal)) continue;
            var said = string.Join('\n', stdout.Skip(i).Take(4));
            Assert.True(said.Contains("The server closed the connection.", StringComparison.Ordinal), said);
        }
        var stderr = result.StandardError.Split('\n').Where(l => l.Contains("WARNING", StringComparison.Ordinal)
            || l.Contains("CRITICAL", StringComparison.Ordinal) || l.Contains("ERROR", StringComparison.Ordinal));
        Assert.All(stderr, l => Assert.Contains("Got data flow before segment event", l, StringComparison.Ordinal));
    }

    /// <summary>How many frames ffprobe counts in the origin's copy of <paramref name="file"/> for one stream type.</summary>
    private async Task<int> FramesInFileAsync(string file, char type)
    {
        var result = await ToolRunner.FfprobeAsync("-v", "error", "-count_frames", "-select_streams", $"{type}:0", "-show_entries", "stream=nb_read_frames",
            "-of", "csv=p=0", Path.Combine(origin.Root, file));
        Assert.True(result.ExitCode == 0, result.ToString());
        return int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    private async Task AssertPlaysOnDemandToTheEndAsync(string file, string protocols)
    {
        var play = await PlayAsync([.. Source(origin.Rtsp(file), protocols, onDemand: true), .. Sink("video/x-raw", "v", null), .. Sink("audio/x-raw", "a", null)]);
        var videoFrames = await FramesInFileAsync(file, 'v');
        var audioFrames = await FramesInFileAsync(file, 'a');
        Assert.True(play.Video.Count >= videoFrames * 0.9, $"{play.Video.Count} of {videoFrames} video frames");
        Assert.True(play.Audio.Count >= audioFrames * 0.9, $"{play.Audio.Count} of {audioFrames} audio frames");
        // Decoded from the first second to the last (the files are 10 s long).
        Assert.InRange(play.Video.Min(), 0, 1);
        Assert.InRange(play.Video.Max(), 9.5, 10.5);
    }

    [Fact]
    public Task Gstreamer_plays_on_demand_over_tcp_to_the_end() => AssertPlaysOnDemandToTheEndAsync("single.wmv", "tcp");

    [Fact]
    public Task Gstreamer_plays_on_demand_over_udp_to_the_end() => AssertPlaysOnDemandToTheEndAsync("single.wmv", "udp");

    [Fact]
    public Task Gstreamer_plays_multi_bitrate_on_demand_to_the_end() => AssertPlaysOnDemandToTheEndAsync("mbr.asf", "tcp");

    [Theory]
    [InlineData("live", "tcp")]
    [InlineData("live", "udp")]
    [InlineData("mbrlive", "udp")]
    public async Task Gstreamer_plays_live_for_five_seconds(string name, string protocols)
    {
        // 125 frames of 25 fps video, then the fakesink ends the pipeline (and rtspsrc tears the session down).
        var play = await PlayAsync([.. Source(origin.Rtsp(name), protocols, onDemand: false), .. Sink("video/x-raw", "v", 125)]);
        Assert.Equal(125, play.Video.Count);
        Assert.InRange(play.Video.Max() - play.Video.Min(), 4.5, 5.5);
        // A broadcast comes at its own pace, not as a burst.
        Assert.True(play.Elapsed >= TimeSpan.FromSeconds(2.5), $"125 frames in {play.Elapsed}");
    }
}

/// <summary>The GStreamer peer tests, run with no other test class beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GstreamerPeers
{
    public const string Name = "GStreamer peers, alone";
}
