using System.Globalization;
using System.Text.RegularExpressions;
using MmsGateway.Testing;

namespace MmsGateway.Origin.Tests.Rtsp;

/// <summary>
/// The origin's MS-RTSP server against peers we did not write: ffmpeg's RTSP/WMS reader over TCP and UDP (on demand,
/// seek, live, multi-bitrate, authentication) and tshark's RTSP dissector on a capture of the exchange.
/// </summary>
public sealed partial class RtspPeerTests(OriginHarness origin) : IClassFixture<OriginHarness>
{
    [GeneratedRegex("error|corrupt|invalid", RegexOptions.IgnoreCase)]
    private static partial Regex ErrorWords();

    /// <summary>ffmpeg decodes <paramref name="url"/> to nothing; returns stderr at info level (frame counts) after checking for errors.</summary>
    internal static async Task<string> AssertFfmpegDecodesCleanlyAsync(string url, string transport, params string[] extra)
    {
        var result = await ToolRunner.RunAsync("ffmpeg",
            ["-hide_banner", "-nostdin", "-rtsp_transport", transport, .. extra.TakeWhile(a => a != "--"), "-i", url, .. extra.SkipWhile(a => a != "--").Skip(1), "-f", "null", "-"],
            TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0 && !result.TimedOut, $"{url} over {transport}: {result}");
        var bad = result.StandardError.Split('\n').Where(l => ErrorWords().IsMatch(l)).ToList();
        Assert.True(bad.Count == 0, $"{url} over {transport}: {string.Join('\n', bad)}");
        return result.StandardError;
    }

    /// <summary>The last <c>time=</c> of ffmpeg's progress: how much it decoded.</summary>
    internal static double DecodedSeconds(string stderr)
    {
        var times = Regex.Matches(stderr, @"time=(\d+):(\d+):(\d+\.\d+)");
        Assert.NotEmpty(times);
        var last = times[^1].Groups;
        return (int.Parse(last[1].Value, CultureInfo.InvariantCulture) * 3600) + (int.Parse(last[2].Value, CultureInfo.InvariantCulture) * 60)
            + double.Parse(last[3].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Ffmpeg_decodes_on_demand_over_tcp_to_the_end_without_errors()
    {
        var stderr = await AssertFfmpegDecodesCleanlyAsync(origin.Rtsp("single.wmv"), "tcp");
        Assert.InRange(DecodedSeconds(stderr), 9.5, 10.5);
    }

    [Fact]
    public async Task Ffmpeg_decodes_on_demand_over_udp_to_the_end_without_errors()
    {
        var stderr = await AssertFfmpegDecodesCleanlyAsync(origin.Rtsp("single.wmv"), "udp");
        Assert.InRange(DecodedSeconds(stderr), 9.5, 10.5);
    }

    [Fact]
    public async Task Ffmpeg_seeks_on_demand_and_the_first_frame_is_at_five_seconds()
    {
        // -ss before -i: ffmpeg PAUSEs and PLAYs with Range: npt=5.000- (docs/protocol/rtsp.md#s2.6); -copyts keeps
        // the stream's own time stamps, so the first shown frame tells where decoding started.
        var result = await ToolRunner.RunAsync("ffmpeg",
            ["-hide_banner", "-nostdin", "-rtsp_transport", "tcp", "-ss", "5", "-i", origin.Rtsp("single.wmv"), "-copyts", "-an", "-vf", "showinfo", "-f", "null", "-"],
            TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0 && !result.TimedOut, result.ToString());
        var stderr = result.StandardError;
        var first = Regex.Match(stderr, @"n:\s*0 pts:\s*\d+ pts_time:(\d+(\.\d+)?)");
        Assert.True(first.Success, stderr);
        Assert.InRange(double.Parse(first.Groups[1].Value, CultureInfo.InvariantCulture), 4.8, 6.5);
        // The rest of the file after the seek point, not all of it.
        Assert.InRange(DecodedSeconds(stderr), 3.5, 6.5);
        // Everything decoded from the seek point on is clean. ffmpeg does not reset its inner ASF reader on a seek:
        // when the PAUSE catches it inside a packet it reads the first packets after the seek as the rest of that
        // one and logs its resynchronisation, before the first frame it shows (timing-dependent; the server's bytes
        // are whole packets, see On_demand_ends_with_the_end_of_stream_request_then_bye_then_a_close).
        var bad = stderr[first.Index..].Split('\n').Where(l => ErrorWords().IsMatch(l)).ToList();
        Assert.True(bad.Count == 0, string.Join('\n', bad));
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task Ffmpeg_reads_live_for_five_seconds_without_errors(string transport)
    {
        var stderr = await AssertFfmpegDecodesCleanlyAsync(origin.Rtsp("live"), transport, "--", "-t", "5");
        Assert.InRange(DecodedSeconds(stderr), 4.5, 5.5);
    }

    [Fact]
    public async Task Ffmpeg_decodes_multi_bitrate_on_demand_without_errors()
    {
        var stderr = await AssertFfmpegDecodesCleanlyAsync(origin.Rtsp("mbr.asf"), "tcp");
        // ffmpeg sets up every description and picks one video and the audio to decode.
        var input = stderr[..Math.Max(0, stderr.IndexOf("Stream mapping", StringComparison.Ordinal))];
        Assert.Equal(4, Regex.Matches(input, @"Stream #0:\d+(\[\w+\])?(\(\w+\))?: (Video|Audio):").Count);
        Assert.InRange(DecodedSeconds(stderr), 9.5, 10.5);
    }

    [Fact]
    public async Task Ffmpeg_reads_multi_bitrate_live_over_udp_without_errors()
    {
        var stderr = await AssertFfmpegDecodesCleanlyAsync(origin.Rtsp("mbrlive"), "udp", "--", "-t", "4");
        Assert.InRange(DecodedSeconds(stderr), 3.5, 4.5);
    }

    [Fact]
    public async Task Tshark_dissects_the_tcp_exchange_with_nothing_malformed()
    {
        var port = origin.Server.RtspPort;
        var capture = Path.Combine(PeerPlayers.SharedTempDirectory(), "rtsp.pcapng");
        using var stop = new CancellationTokenSource();
        var tshark = ToolRunner.RunAsync("tshark", ["-i", "lo", "-f", $"tcp port {port}", "-w", capture, "-a", "duration:25"], TimeSpan.FromSeconds(40), stop.Token);
        // Wait for the capture to run before the exchange starts.
        for (var i = 0; i < 100 && !(File.Exists(capture) && new FileInfo(capture).Length > 0); i++) await Task.Delay(100);
        await Task.Delay(1000);
        await AssertFfmpegDecodesCleanlyAsync(origin.Rtsp("single.wmv"), "tcp");
        await Task.Delay(500);
        await stop.CancelAsync();
        await tshark;
        var malformed = await ToolRunner.RunAsync("tshark", ["-r", capture, "-d", $"tcp.port=={port},rtsp", "-Y", "_ws.malformed"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, malformed.ExitCode);
        Assert.Equal(string.Empty, malformed.StandardOutput.Trim());
        // The capture holds the whole exchange: every request and its answer were dissected as RTSP.
        var requests = await ToolRunner.RunAsync("tshark", ["-r", capture, "-d", $"tcp.port=={port},rtsp", "-Y", "rtsp.request or rtsp.response", "-T", "fields", "-e", "rtsp.method", "-e", "rtsp.status"], TimeSpan.FromSeconds(60));
        var lines = requests.StandardOutput;
        foreach (var method in new[] { "OPTIONS", "DESCRIBE", "SETUP", "PLAY" }) Assert.Contains(method, lines, StringComparison.Ordinal);
        Assert.Contains("200", lines, StringComparison.Ordinal);
        var rtp = await ToolRunner.RunAsync("tshark", ["-r", capture, "-d", $"tcp.port=={port},rtsp", "-Y", "rtsp", "-T", "fields", "-e", "rtsp.channel"], TimeSpan.FromSeconds(60));
        Assert.True(rtp.StandardOutput.Split('\n').Count(l => l.Trim() == "0x00") > 100, rtp.ToString());
    }
}
