using System.Globalization;
using MmsGateway.Testing;

namespace MmsGateway.Origin.Tests;

/// <summary>
/// The origin against clients we did not write (interoperability with peers we did not write): ffmpeg's mmst:// and mmsh:// readers, VLC,
/// and MediaInfo through libmms.
/// </summary>
public sealed class PeerInteropTests(OriginHarness origin) : IClassFixture<OriginHarness>
{
    private static string TempOutput() => Path.Combine(Directory.CreateTempSubdirectory("mmsgw-read-").FullName, "out.asf");

    /// <summary>ffmpeg copies 10 s of the stream into a file; the file must decode with no message at all.</summary>
    private static async Task AssertFfmpegReadsTenSecondsAsync(string url, int expectedStreams)
    {
        var output = TempOutput();
        // -t bounds the read: ffmpeg 5.1 never ends a live MMST stream by itself (docs/protocol/interop.md#s10.33).
        var read = await ToolRunner.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", url, "-t", "10", "-map", "0", "-c", "copy", "-f", "asf", output], TimeSpan.FromSeconds(60));
        Assert.True(read.ExitCode == 0 && !read.TimedOut, $"{url}: {read}");
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(output));
        var probe = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "csv=p=0", output);
        var lines = probe.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(expectedStreams, lines.Count(l => l is "video" or "audio"));
        Assert.InRange(double.Parse(lines[^1], CultureInfo.InvariantCulture), 9.0, 11.0);
    }

    [Theory]
    [InlineData("mmst", "single.wmv", 2)]
    [InlineData("mmsh", "single.wmv", 2)]
    [InlineData("mmst", "mbr.asf", 4)]
    [InlineData("mmsh", "mbr.asf", 4)]
    public Task Ffmpeg_reads_on_demand(string protocol, string file, int streams) =>
        AssertFfmpegReadsTenSecondsAsync(protocol == "mmst" ? origin.Mmst(file) : origin.Mmsh(file), streams);

    [Fact]
    public async Task Ffmpeg_reads_live_single_and_multi_bitrate_over_both_transports()
    {
        // Live reads take real time: run the four at once.
        await Task.WhenAll(
            AssertFfmpegReadsTenSecondsAsync(origin.Mmst("live"), 2),
            AssertFfmpegReadsTenSecondsAsync(origin.Mmsh("live"), 2),
            AssertFfmpegReadsTenSecondsAsync(origin.Mmst("mbrlive"), 4),
            AssertFfmpegReadsTenSecondsAsync(origin.Mmsh("mbrlive"), 4));
    }

    [Fact]
    public async Task Vlc_reads_mmst_and_mmsh_on_demand_and_live()
    {
        var runs = await Task.WhenAll(
            PeerPlayers.VlcRecordAsync(origin.Mmst("single.wmv"), 20),
            PeerPlayers.VlcRecordAsync(origin.Mmsh("single.wmv"), 20),
            PeerPlayers.VlcRecordAsync(origin.Mmst("live"), 8),
            PeerPlayers.VlcRecordAsync(origin.Mmsh("mbrlive"), 8));
        foreach (var (output, result) in runs)
        {
            Assert.True(File.Exists(output) && new FileInfo(output).Length > 50_000, $"VLC wrote too little: {result}");
            Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(output));
            var probe = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", output);
            Assert.Equal(["wmav2", "wmv2"], probe.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order());
        }
        // On demand, VLC played to the end by itself and copied the whole 10-s file.
        var demand = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", runs[0].Output);
        Assert.InRange(double.Parse(demand.StandardOutput.Trim(), CultureInfo.InvariantCulture), 7.5, 10.5);
    }

    [Fact]
    public async Task Vlc_reads_mmsu_with_data_over_udp()
    {
        var (output, result) = await PeerPlayers.VlcRecordAsync(origin.Mmst("single.wmv").Replace("mmst://", "mmsu://", StringComparison.Ordinal), 25);
        Assert.True(new FileInfo(output).Length > 300_000, $"VLC over MMSU wrote too little: {result}");
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(output));
    }

    [Theory]
    [InlineData("mmsh", "mbr.asf", new[] { "Video", "Video", "Video", "Audio" })]
    [InlineData("mmst", "mbr.asf", new[] { "Video", "Video", "Video", "Audio" })]
    [InlineData("mmsh", "live", new[] { "Video", "Audio" })]
    [InlineData("mmst", "audio.wma", new[] { "Audio" })]
    public async Task MediaInfo_reports_the_streams_over_both_transports(string protocol, string path, string[] types)
    {
        var port = protocol == "mmsh" ? origin.Server.HttpPort : origin.Server.MmstPort;
        var tracks = await PeerPlayers.MediaInfoTracksAsync(origin.Mms(port, path));
        Assert.Equal(types, tracks.Select(t => t.Type));
        Assert.All(tracks, t => Assert.Contains(t.Format, new[] { "WMV2", "WMA" }));
    }
}
