using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MmsGateway.Cli.Probe;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Cli;

/// <summary><c>probe URL</c>: the protocol that won, every failed attempt, streams and bitrates; deadlines.</summary>
public sealed class ProbeUrlTests
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    [Fact]
    public async Task Rollover_winner_and_failed_attempts_are_reported()
    {
        await using CliOrigin origin = await CliOrigin.StartAsync(4);
        // An explicit port serves every protocol: RTSP (first in the default order) meets the origin's HTTP port,
        // which answers in HTTP, so that attempt fails at once; MMST meets it too, and as the server waits for an HTTP
        // request and never answers the MMST Connect, the handshake deadline passes; MMSH then plays.
        ToolResult result = await CliOrigin.RunAsync("probe", "--json", "--timeout", "1.5", $"mms://127.0.0.1:{origin.Server.HttpPort}/single.wmv");
        Assert.True(result.ExitCode == 0, result.ToString());
        ProbeReport report = JsonSerializer.Deserialize<ProbeReport>(result.StandardOutput, Json)!;
        Assert.Equal("mmsh", report.Protocol);
        Assert.False(report.Broadcast);
        Assert.InRange(report.DurationSeconds!.Value, 3.5, 4.5);
        Assert.Equal(["video", "audio"], report.Streams.Select(s => s.Type));
        Assert.All(report.Streams, s => Assert.True(s.Bitrate > 0));
        Assert.Collection(report.Attempts!,
            rtsp =>
            {
                Assert.Equal(("rtspt", "failed", "handshake", "not an MMS server"), (rtsp.Protocol, rtsp.Outcome, rtsp.Step, rtsp.Cause));
                Assert.InRange(rtsp.ElapsedMs, 0, 1000);
            },
            mmst =>
            {
                Assert.Equal(("mmst", "failed", "handshake", "timed out"), (mmst.Protocol, mmst.Outcome, mmst.Step, mmst.Cause));
                Assert.InRange(mmst.ElapsedMs, 1400, 3000);
                Assert.Equal($"127.0.0.1:{origin.Server.HttpPort}", mmst.Endpoint);
            },
            mmsh => Assert.Equal(("mmsh", "connected"), (mmsh.Protocol, mmsh.Outcome)));

        ToolResult text = await CliOrigin.RunAsync("probe", "--timeout", "1", $"mms://127.0.0.1:{origin.Server.HttpPort}/mbr.asf");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("source:      mms://", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(mmsh)", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("attempt:     mmst 127.0.0.1:", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("timed out at handshake", text.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_multi_bitrate_over_mmsu_has_measured_bitrates()
    {
        await using CliOrigin origin = await CliOrigin.StartAsync(4);
        ToolResult result = await CliOrigin.RunAsync("probe", "--json", origin.Url("mmsu", "mbrlive"));
        Assert.True(result.ExitCode == 0, result.ToString());
        ProbeReport report = JsonSerializer.Deserialize<ProbeReport>(result.StandardOutput, Json)!;
        Assert.Equal("mmsu", report.Protocol);
        Assert.True(report.Broadcast);
        Assert.Null(report.DurationSeconds);
        Assert.Equal(4, report.Streams.Count);
        Assert.All(report.Streams.Take(3), s => Assert.Equal("measured", s.BitrateSource));
        Assert.All(report.Streams, s => Assert.True(s.Bitrate > 10_000, $"stream {s.Number}: {s.Bitrate}"));
        Assert.True(report.Streams[2].Bitrate < report.Streams[0].Bitrate, "the 160x120 stream is the smallest");
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_within_the_deadline()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true) accepted.Add(await silent.AcceptSocketAsync());
        });

        const double deadline = 2;
        var clock = Stopwatch.StartNew();
        ToolResult result = await CliOrigin.RunAsync("probe", "--timeout", "2", $"mmst://127.0.0.1:{port}/x");
        clock.Stop();
        Assert.Equal(1, result.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(deadline + 2), $"took {clock.Elapsed}");
        Assert.Empty(result.StandardOutput);
        string line = Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.Contains("handshake: timed out", line, StringComparison.Ordinal);
        Assert.StartsWith("probe: mmst://127.0.0.1:", line, StringComparison.Ordinal);
        silent.Stop();
        foreach (Socket socket in accepted) socket.Dispose();
    }

    [Fact]
    public async Task Bad_arguments_exit_2_with_one_line()
    {
        ToolResult result = await CliOrigin.RunAsync("probe", "--protocols", "rtsp", "mms://127.0.0.1:1/x");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--protocols", Assert.Single(result.StandardError.Trim().Split('\n')), StringComparison.Ordinal);
    }
}
