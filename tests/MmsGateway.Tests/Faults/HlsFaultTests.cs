using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MmsGateway.Tests.Hls;
using Xunit.Abstractions;

namespace MmsGateway.Tests.Faults;

/// <summary>
/// Faults: ffmpeg crashing under HLS: the rendition's ffmpeg, found in the process table as a child of this
/// process, is killed (SIGKILL) again and again. HLS recovers each time (new segments appear), no ffmpeg is left
/// behind or unreaped, and the ASF output of another stream is not disturbed.
/// </summary>
[Collection(HlsCollection.Name)]
public sealed class HlsFaultTests(ITestOutputHelper output)
{
    private const string Media = "/streams/live/hls/v1/index.m3u8";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Killing_the_renditions_ffmpeg_three_times_leaves_hls_playing_and_other_streams_untouched()
    {
        await using var gateway = await HlsGateway.StartAsync("--Gateway:Hls:RestartInitialDelay=00:00:00.200");
        await using var bystander = BystanderViewer.Start(gateway.Http, "/streams/mbrlive/live.asf");
        var playlist = await gateway.MediaPlaylistAsync(Media, 2, Patience);
        var before = FaultGateway.Memory();

        var killed = new List<int>();
        for (var round = 1; round <= 3; round++)
        {
            var children = FfmpegChildren();
            var pid = gateway.Hls.Find("live", "v1")!.ProcessId ?? throw new InvalidOperationException("no ffmpeg running");
            Assert.Contains(pid, children); // the process table agrees with what the rendition says it runs
            var lastSequence = LastSequence(playlist);
            using (var ffmpeg = Process.GetProcessById(pid)) ffmpeg.Kill();
            killed.Add(pid);

            // Recovery: segments newer than any before the kill, from a new ffmpeg.
            playlist = await WaitForPlaylistAsync(gateway, p => LastSequence(p) >= lastSequence + 2);
            var now = gateway.Hls.Find("live", "v1")!;
            output.WriteLine($"round {round}: killed {pid}, now {now.ProcessId} (run {now.Runs}), last segment {lastSequence} → {LastSequence(playlist)}");
            Assert.NotEqual(pid, now.ProcessId);
            Assert.Equal(round + 1, now.Runs);
        }

        // Every killed ffmpeg is gone and reaped (no zombie left as a child); the rendition's one runs.
        Assert.All(killed, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"ffmpeg {pid} is still in the process table"));
        Assert.Contains(gateway.Hls.Find("live", "v1")!.ProcessId!.Value, FfmpegChildren());
        Assert.Equal(1, await gateway.Harness.MetricAsync("mmsgw_transcoders", "stream=\"live\""));
        await bystander.AssertFlowingAsync(500_000);
        var after = FaultGateway.Memory();
        output.WriteLine($"managed {before.Managed >> 10} → {after.Managed >> 10} KiB, working set {before.WorkingSet >> 20} → {after.WorkingSet >> 20} MiB");
        Assert.True(after.Managed - before.Managed < 64L << 20, "managed heap growth over three ffmpeg crashes");
    }

    /// <summary>
    /// Live children of this process running ffmpeg with a rendition's arguments (ASF on stdin, fragmented MP4 on
    /// stdout): /proc/PID/stat gives state and parent, /proc/PID/cmdline the arguments. Other tests' ffmpeg runs
    /// (decode checks) are children too, hence the arguments.
    /// </summary>
    private static List<int> FfmpegChildren()
    {
        var self = Environment.ProcessId;
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat, arguments;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
                arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue; // ended while we looked
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // "pid (comm) state ppid ...": comm may contain spaces, so split after the closing parenthesis.
            var close = stat.LastIndexOf(')');
            var comm = stat[(stat.IndexOf('(') + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            if (comm == "ffmpeg" && int.Parse(fields[1], CultureInfo.InvariantCulture) == self && fields[0] != "Z"
                && arguments.Contains("-f asf -i pipe:0", StringComparison.Ordinal) && arguments.Contains("-frag_duration", StringComparison.Ordinal))
                children.Add(pid);
        }
        return children;
    }

    private static long LastSequence(string playlist)
    {
        var first = long.Parse(Regex.Match(playlist, "#EXT-X-MEDIA-SEQUENCE:(\\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        return first + HlsGateway.Segments(playlist).Count - 1;
    }

    private static async Task<string> WaitForPlaylistAsync(HlsGateway gateway, Func<string, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        string playlist;
        do
        {
            await Task.Delay(300);
            using var response = await gateway.Http.GetAsync(Media);
            playlist = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && condition(playlist)) return playlist;
        } while (clock.Elapsed < Patience);
        throw new TimeoutException("HLS did not recover:\n" + playlist);
    }
}
