using System.Diagnostics;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Files;
using MmsGateway.Testing;
using MmsGateway.Testing.Misbehaving;

namespace MmsGateway.Tests.Cli;

/// <summary><c>record URL -o FILE</c> as a user runs it: exit codes, selection flags, Ctrl+C and resume.</summary>
public sealed class RecordCommandTests
{
    [Fact]
    public async Task Max_bitrate_and_streams_choose_what_is_kept()
    {
        await using CliOrigin origin = await CliOrigin.StartAsync(4);
        string capped = Path.Combine(origin.Root, "capped.asf");
        ToolResult result = await CliOrigin.RunAsync("record", origin.Url("mmsh", "mbr.asf"), "-o", capped, "--max-bitrate", "300000");
        Assert.True(result.ExitCode == 0, result.ToString());
        using (AsfFile file = AsfFile.Open(capped))
        {
            // ffmpeg's file declares no bitrates and no mutual exclusion: measured, the 160x120 video (stream 3, about
            // 175 kbps) and the audio (64 kbps) fit; either 320x240 one (330-370 kbps) with the audio would not.
            Assert.Equal(AsfStreamSet.Of(3, 4), file.Header.AllStreams);
            Assert.NotNull(file.SimpleIndex);
        }

        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(capped));

        string subset = Path.Combine(origin.Root, "subset.asf");
        result = await CliOrigin.RunAsync("record", origin.Url("mmst", "mbr.asf"), "-o", subset, "--streams", "3,4", "--duration", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("streams {3,4}", result.StandardOutput, StringComparison.Ordinal);
        using (AsfFile file = AsfFile.Open(subset)) Assert.Equal(AsfStreamSet.Of(3, 4), file.Header.AllStreams);
        Assert.InRange(await CliOrigin.DurationAsync(subset), 1, 3);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(subset));

        result = await CliOrigin.RunAsync("record", origin.Url("mmst", "mbr.asf"), "-o", Path.Combine(origin.Root, "x.asf"), "--streams", "9");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("stream 9", Assert.Single(result.StandardError.Trim().Split('\n')), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_bitrate_against_vlcs_server_records_only_the_streams_that_fit_for_the_asked_duration()
    {
        if (!VlcMmshServer.IsAvailable) return;
        // Long enough that VLC's loop (it closes its viewers when it starts the file again) stays out of the way.
        await using VlcMmshServer vlc = await VlcMmshServer.StartAsync(await GeneratedMedia.MultiBitrateAsync(60));
        string path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-record-vlc-").FullName, "capped.asf");

        ToolResult result = await CliOrigin.RunAsync("record", vlc.Url.ToString(), "-o", path, "--max-bitrate", "500000", "--duration", "5");

        Assert.True(result.ExitCode == 0, $"{result}\n{vlc.Log}");
        Assert.Contains("duration reached", result.StandardOutput, StringComparison.Ordinal);
        using (AsfFile file = AsfFile.Open(path))
        {
            // VLC's header declares neither bitrates nor exclusion, and VLC sends every stream whatever is selected:
            // the audio and one 320x240 video (330-370 kbps measured) fit 500 kbps, no second video does.
            Assert.Single(file.Header.Streams, s => s.Type == AsfStreamType.Audio);
            StreamProperties video = Assert.Single(file.Header.Streams, s => s.Type == AsfStreamType.Video);
            Assert.Equal(320u, video.Video!.Width);
            Assert.Equal(2, file.Header.Streams.Count);
        }

        Assert.InRange(await CliOrigin.DurationAsync(path), 4, 6.5);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }

    [Fact]
    public async Task A_local_file_is_copied_directly_with_the_chosen_streams()
    {
        string root = Directory.CreateTempSubdirectory("mmsgw-record-local-").FullName;
        string source = Path.Combine(root, "mbr.asf");
        File.Copy(await GeneratedMedia.MultiBitrateAsync(4), source);
        string copy = Path.Combine(root, "copy.asf");

        ToolResult result = await CliOrigin.RunAsync("record", source, "-o", copy, "--streams", "1,2,4");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("streams {1,2,4}", result.StandardOutput, StringComparison.Ordinal);
        using (AsfFile file = AsfFile.Open(copy))
        {
            Assert.Equal(AsfStreamSet.Of(1, 2, 4), file.Header.AllStreams);
            Assert.NotNull(file.SimpleIndex);
            Assert.Equal((ulong)file.PacketCount, file.Header.FileProperties.DataPacketsCount);
        }
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(copy));

        // A file: URL is the same file; options that only make sense for a stream are refused with a clear line.
        result = await CliOrigin.RunAsync("record", new Uri(source).AbsoluteUri, "-o", Path.Combine(root, "url.asf"), "--streams", "3,4");
        Assert.True(result.ExitCode == 0, result.ToString());
        using (AsfFile file = AsfFile.Open(Path.Combine(root, "url.asf"))) Assert.Equal(AsfStreamSet.Of(3, 4), file.Header.AllStreams);
        result = await CliOrigin.RunAsync("record", source, "-o", Path.Combine(root, "d.asf"), "--duration", "2");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--duration", result.StandardError, StringComparison.Ordinal);
        result = await CliOrigin.RunAsync("record", source, "-o", source);
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task An_interrupted_recording_resumes_into_one_valid_file()
    {
        await using CliOrigin origin = await CliOrigin.StartAsync(6);
        string url = origin.Url("mmst", "single.wmv");
        string full = Path.Combine(origin.Root, "full.asf");
        ToolResult whole = await CliOrigin.RunAsync("record", url, "-o", full);
        Assert.True(whole.ExitCode == 0, whole.ToString());

        // Half the media's own rate (the file's size over its 6 s; the test pattern compresses well below the encoder's
        // target, so a fixed cap could let the whole file through before the interrupt): the first run is stopped
        // (SIGINT, as Ctrl+C) about a quarter of the way in.
        origin.Server.RateBps = new FileInfo(Path.Combine(origin.Root, "single.wmv")).Length * 8 / 12;
        string partial = Path.Combine(origin.Root, "partial.asf");
        (int code, string stderr) = await RunAndInterruptAsync(["record", url, "-o", partial], TimeSpan.FromSeconds(3));
        Assert.True(code == 130, $"exit {code}: {stderr}");
        long first = CliOrigin.Packets(partial);
        Assert.InRange(first, 1, CliOrigin.Packets(full) - 10);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(partial)); // finished cleanly when interrupted

        origin.Server.RateBps = 0;
        ToolResult resumed = await CliOrigin.RunAsync("record", url, "-o", partial);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"resumed after packet {first}", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.InRange(CliOrigin.Packets(partial), CliOrigin.Packets(full) - 1, CliOrigin.Packets(full) + 1);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(partial));
        Assert.InRange(await CliOrigin.DurationAsync(partial), await CliOrigin.DurationAsync(full) - 1, await CliOrigin.DurationAsync(full) + 1);
        using AsfFile file = AsfFile.Open(partial);
        Assert.NotNull(file.SimpleIndex);
        Assert.True(file.Header.FileProperties.IsSeekable);
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task A_stream_with_a_header_and_no_data_packets_is_an_error_not_an_empty_success(string scheme)
    {
        await using CliOrigin origin = await CliOrigin.StartAsync(2);
        // A real header (ffmpeg's) followed by a Data Object that holds no packet.
        byte[] source = await File.ReadAllBytesAsync(Path.Combine(origin.Root, "single.wmv"));
        AsfHeader header = AsfHeaderReader.Parse(source);
        byte[] empty = new byte[header.Raw.Length + AsfDataObjectHeader.Size];
        source.AsSpan(0, header.Raw.Length).CopyTo(empty);
        AsfDataObjectHeader.Write(empty.AsSpan(header.Raw.Length), header.FileProperties.FileId, AsfDataObjectHeader.Size, 0);
        await File.WriteAllBytesAsync(Path.Combine(origin.Root, "empty.wmv"), empty);
        string path = Path.Combine(origin.Root, $"empty-{scheme}.asf");

        ToolResult result = await CliOrigin.RunAsync("record", origin.Url(scheme, "empty.wmv"), "-o", path, "--timeout", "10");

        AssertEmptyRecording(result, path);
    }

    [Fact]
    public async Task A_stream_that_ends_after_its_header_before_any_packet_is_an_error()
    {
        string root = Directory.CreateTempSubdirectory("mmsgw-record-empty-").FullName;
        byte[] header = LyingMmshServer.HeaderOf(await GeneratedMedia.SingleBitrateAsync(2));
        await using MisbehavingServer server = LyingMmshServer.Start(header, MmshLie.EndAfterHeader);
        string path = Path.Combine(root, "ended.asf");

        ToolResult result = await CliOrigin.RunAsync("record", $"mmsh://127.0.0.1:{server.Port}/live", "-o", path, "--timeout", "10");

        AssertEmptyRecording(result, path);
        Assert.True(server.Connections >= 1);
    }

    /// <summary>Exit code 1 and one line naming what is missing, whatever the upstream did; never a silent empty file.</summary>
    private static void AssertEmptyRecording(ToolResult result, string path)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        string line = Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.StartsWith("record: ", line, StringComparison.Ordinal);
        Assert.Contains("no packet", line, StringComparison.Ordinal);
        Assert.Contains("holds no content", line, StringComparison.Ordinal);
        Assert.Contains(" 0 packets", result.StandardOutput, StringComparison.Ordinal);
        if (File.Exists(path)) Assert.Equal(0, CliOrigin.Packets(path));
    }

    /// <summary>Runs the gateway and sends it SIGINT after <paramref name="after"/>; its exit code and standard error.</summary>
    private static async Task<(int Code, string StandardError)> RunAndInterruptAsync(string[] args, TimeSpan after)
    {
        // Through env(1) with SIGINT back at its default: a test run started in the background by a non-interactive
        // shell inherits SIGINT ignored, and .NET keeps an ignored SIGINT ignored, so Ctrl+C would never arrive.
        // (env execs dotnet: the PID signalled below is the gateway's.)
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["--default-signal=INT", "dotnet", CliOrigin.Gateway, .. args]) psi.ArgumentList.Add(a);
        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await Task.Delay(after);
        await ToolRunner.RunAsync("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
