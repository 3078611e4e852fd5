using System.Text.Json;
using MmsGateway.Cli.Probe;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Cli;

public class ProbeCommandTests
{
    private static readonly string Gateway = Path.Combine(AppContext.BaseDirectory, "MmsGateway.dll");

    private static Task<ToolResult> RunProbeAsync(params string[] args) =>
        ToolRunner.RunAsync("dotnet", [Gateway, "probe", .. args], TimeSpan.FromMinutes(1));

    /// <summary>
    /// ffprobe's codec_type for each stream. Cover art (WM/Picture) appears in ffprobe as an attached-picture video
    /// stream although it is metadata, not an ASF stream, so it is left out.
    /// </summary>
    private static async Task<string[]?> FfprobeTypesAsync(string path)
    {
        var result = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "stream=codec_type:stream_disposition=attached_pic", "-of", "csv=p=0", path);
        if (result.ExitCode != 0) return null;
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(','))
            .Where(fields => fields.Length < 2 || fields[1] != "1")
            .Select(fields => fields[0])
            .ToArray();
    }

    private static string AsFfprobeType(string type) => type is "audio" or "video" ? type : "data";

    [SharedMediaTheory]
    [MemberData(nameof(SharedMedia.AsfFiles), MemberType = typeof(SharedMedia))]
    public async Task Every_readable_shared_file_probes_like_ffprobe(string name)
    {
        var path = SharedMedia.Path("asf", name);
        var expected = await FfprobeTypesAsync(path);
        if (expected is null)
        {
            // Not readable by ffprobe: probe may read it (a header-only file) or must fail with one line.
            var failed = await RunProbeAsync(path);
            if (failed.ExitCode != 0) Assert.Single(failed.StandardError.Trim().Split('\n'));
            return;
        }

        var result = await RunProbeAsync("--json", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonSerializer.Deserialize<ProbeReport>(result.StandardOutput, JsonOptions)!;
        Assert.Equal(expected.Order(), report.Streams.Select(s => AsFfprobeType(s.Type)).Order());
        Assert.All(report.Streams, s => Assert.False(string.IsNullOrEmpty(s.Codec)));
    }

    [Fact]
    public async Task Generated_multi_bitrate_file_reports_measured_bitrates_and_layout()
    {
        var path = await GeneratedMedia.MultiBitrateAsync();
        var report = FileProber.Probe(path);

        Assert.Equal("file", report.Protocol);
        Assert.False(report.Broadcast);
        Assert.Equal(3200, report.PacketSize);
        Assert.InRange(report.DurationSeconds!.Value, 9.9, 10.2);
        Assert.Equal(["video", "video", "video", "audio"], report.Streams.Select(s => s.Type));
        Assert.Equal(["wmv2", "wmv2", "wmv2", "wmav2"], report.Streams.Select(s => s.Codec));
        Assert.Equal((160u, 120u), (report.Streams[2].Width!.Value, report.Streams[2].Height!.Value));
        // ffmpeg writes no bitrate objects: video bitrates are measured, audio comes from its format.
        Assert.All(report.Streams.Take(3), s => Assert.Equal("measured", s.BitrateSource));
        Assert.Equal("audio-format", report.Streams[3].BitrateSource);
        Assert.Equal(64_000u, report.Streams[3].Bitrate);
        Assert.True(report.Streams[2].Bitrate < report.Streams[0].Bitrate, "the 160x120 stream is the smallest");
        Assert.InRange(report.Streams[2].Bitrate!.Value, 50_000u, 250_000u);
        Assert.True(report.IndexEntries > 0);
        Assert.False(report.Drm.Protected);
    }

    [SharedMediaFact]
    public async Task Live_header_probe_prints_broadcast_and_declared_bitrates_as_text()
    {
        var result = await RunProbeAsync(SharedMedia.Path("asf", "audioscan_wma-live.wma"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("broadcast (live)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("128641 bps (stream-bitrate-properties)", result.StandardOutput, StringComparison.Ordinal);
    }

    [SharedMediaTheory]
    [InlineData("mm_CWE-835.wma", "Extended Content Description")]
    [InlineData("tinytag_empty_file.wma", "empty")]
    public async Task Malformed_file_exits_non_zero_with_one_line(string name, string mention)
    {
        var result = await RunProbeAsync(SharedMedia.Path("asf", name));
        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.Contains(mention, line, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task Missing_file_exits_non_zero_with_one_line()
    {
        var result = await RunProbeAsync("/nonexistent/file.asf");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("probe: /nonexistent/file.asf: no such directory", result.StandardError.Trim());
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
}
