using System.Diagnostics;
using MmsGateway.Testing;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Adaptation;

/// <summary>
/// Smart streaming end to end: a real origin loops a three-rate ladder as a live broadcast, the gateway plays
/// it to a real viewer, and the origin's per-session bandwidth cap is changed while it streams. The gateway must find
/// the stream that fits, step down and back up, and never let the audio stop.
/// Ladder (<see cref="GeneratedMedia.SmartStreamingLadderAsync"/>): stream 1 640x480 ~850 kbit/s, stream 2 320x240
/// ~275, stream 3 160x120 ~150, stream 4 WMA2 64.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SmartStreamingTests
{
    private const int Top = 1, Middle = 2, Lowest = 3, Audio = 4;

    private static async Task<GatewayHarness> StartAsync(string protocol)
    {
        var ladder = await GeneratedMedia.SmartStreamingLadderAsync();
        return await GatewayHarness.StartAsync(new Dictionary<string, string> { ["ladder"] = ladder }, origin =>
        [
            protocol == "mmsh"
                ? $"--Gateway:Streams:smart:Source=mmsh://127.0.0.1:{origin.HttpPort}/ladder"
                : $"--Gateway:Streams:smart:Source=mmst://127.0.0.1:{origin.MmstPort}/ladder",
            // Quicker than the defaults so the test runs in about a minute; the logic is the same.
            "--Gateway:Adaptation:Window=00:00:02",
            "--Gateway:Adaptation:BehindLimit=00:00:01",
            "--Gateway:Adaptation:Settle=00:00:01",
            "--Gateway:Adaptation:HoldOff=00:00:03",
            "--Gateway:Adaptation:MeasureFor=00:00:04",
            "--Gateway:ReadTimeout=00:00:10",
        ]);
    }

    /// <summary>Polls <c>/streams</c> until <paramref name="condition"/> holds; returns how long it took.</summary>
    private static async Task<TimeSpan> WaitForAsync(GatewayHarness gateway, Func<AdaptationState, bool> condition, TimeSpan limit, string what)
    {
        var watch = Stopwatch.StartNew();
        AdaptationState state;
        do
        {
            state = await AdaptationState.ReadAsync(gateway.Http, "smart");
            if (condition(state)) return watch.Elapsed;
            await Task.Delay(200);
        }
        while (watch.Elapsed < limit);
        Assert.Fail($"{what} did not happen within {limit.TotalSeconds} s: {state}");
        return watch.Elapsed;
    }

    /// <summary>
    /// An origin cap that makes the step billed <paramref name="above"/> too slow for the link and leaves the one billed
    /// <paramref name="below"/> inside the adapter's headroom (0.85), as far from both as it can be (the geometric mean):
    /// the measured bitrates vary from run to run, and a loaded machine delivers less than the cap.
    /// </summary>
    internal static long CapBetween(long below, long above)
    {
        var needed = below / 0.85;
        Assert.True(needed < above * 0.8, $"the ladder's steps are too close to test between: {below} and {above} bit/s");
        return (long)Math.Sqrt(needed * above);
    }

    /// <summary>Past measuring, taking exactly <paramref name="video"/> and the audio, in full.</summary>
    private static bool OnVideo(AdaptationState s, int video) => s.Step >= 0 && s.SelectedStreams.SequenceEqual([video, Audio]) && s.ThinningLevel == 0;

    [Fact]
    public async Task Mmst_steps_down_through_every_level_and_climbs_back_while_the_audio_never_stops()
    {
        await using var gateway = await StartAsync("mmst");
        await using var viewer = RecordingViewer.Start(gateway.Http, "/streams/smart/live.asf");

        // No cap: after measuring the source (its header declares no bitrates), the top stream with the audio.
        await WaitForAsync(gateway, s => OnVideo(s, Top), TimeSpan.FromSeconds(20), "taking the top stream");
        Assert.Equal(0, await gateway.MetricAsync("mmsgw_thinning_level", "stream=\"smart\""));
        Assert.True(await gateway.MetricAsync("mmsgw_selected_bitrate_bps", "stream=\"smart\"") > 700_000);
        var ladder = await AdaptationState.ReadAsync(gateway.Http, "smart");

        // Cap between the top (~914 kbit/s with audio) and the middle (~340): within 10 s on the middle stream.
        gateway.Origin.RateBps = CapBetween(ladder.BitrateOf(0, Middle, Audio), ladder.BitrateOf(0, Top, Audio));
        var took = await WaitForAsync(gateway, s => OnVideo(s, Middle), TimeSpan.FromSeconds(10), "stepping down to the middle stream");
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.True(OnVideo(await AdaptationState.ReadAsync(gateway.Http, "smart"), Middle), "stays on the middle stream while the cap holds");

        // Cap below the lowest video with audio (~215) but above its key frames: key frames only.
        gateway.Origin.RateBps = CapBetween(ladder.BitrateOf(1, Lowest, Audio), ladder.BitrateOf(0, Lowest, Audio));
        await WaitForAsync(gateway, s => s.ThinningLevel == 1 && s.SelectedStreams.Contains(Audio), TimeSpan.FromSeconds(15), "key frames only");
        Assert.Equal(1, await gateway.MetricAsync("mmsgw_thinning_level", "stream=\"smart\""));

        // Cap that leaves room for the audio alone.
        gateway.Origin.RateBps = CapBetween(ladder.BitrateOf(2, Audio), ladder.BitrateOf(1, Lowest, Audio));
        await WaitForAsync(gateway, s => s.ThinningLevel == 2 && s.SelectedStreams.SequenceEqual([Audio]), TimeSpan.FromSeconds(15), "audio only");
        Assert.Equal(2, await gateway.MetricAsync("mmsgw_thinning_level", "stream=\"smart\""));
        await Task.Delay(TimeSpan.FromSeconds(3));

        // Cap lifted: back up, one step per hold-off, to the top stream.
        gateway.Origin.RateBps = 0;
        await WaitForAsync(gateway, s => OnVideo(s, Top), TimeSpan.FromSeconds(45), "climbing back to the top stream");
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.True(await gateway.MetricAsync("mmsgw_adaptation_steps_total", "direction=\"down\"") >= 3);
        Assert.True(await gateway.MetricAsync("mmsgw_adaptation_steps_total", "direction=\"up\"") >= 3);

        // The viewer was never cut off, kept one header (all three video streams offered), and heard no gap over 1 s.
        var media = ReceivedMedia.Parse(viewer.Snapshot());
        Assert.Equal([Top, Middle, Lowest, Audio], media.Header.Streams.Select(s => s.StreamNumber));
        var gap = media.LongestAudioGapMs();
        Assert.True(gap <= 1000, $"audio gap of {gap} ms");
        Assert.True(media.LongestAudioStepBack() <= 100, $"audio went back {media.LongestAudioStepBack()} ms");
        Assert.True(media.ObjectsOf(Top) > 0 && media.ObjectsOf(Middle) > 0 && media.ObjectsOf(Lowest) > 0,
            $"video objects per stream: {media.ObjectsOf(Top)}, {media.ObjectsOf(Middle)}, {media.ObjectsOf(Lowest)}");
    }

    [Fact]
    public async Task Mmsh_switches_streams_with_a_new_play_request_and_recovers()
    {
        await using var gateway = await StartAsync("mmsh");
        await using var viewer = RecordingViewer.Start(gateway.Http, "/streams/smart/live.asf");
        await WaitForAsync(gateway, s => OnVideo(s, Top), TimeSpan.FromSeconds(20), "taking the top stream");
        var ladder = await AdaptationState.ReadAsync(gateway.Http, "smart");

        gateway.Origin.RateBps = CapBetween(ladder.BitrateOf(0, Middle, Audio), ladder.BitrateOf(0, Top, Audio));
        var took = await WaitForAsync(gateway, s => OnVideo(s, Middle), TimeSpan.FromSeconds(10), "stepping down to the middle stream");
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
        await Task.Delay(TimeSpan.FromSeconds(3));

        gateway.Origin.RateBps = 0;
        await WaitForAsync(gateway, s => OnVideo(s, Top), TimeSpan.FromSeconds(30), "climbing back to the top stream");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var state = await AdaptationState.ReadAsync(gateway.Http, "smart");
        Assert.Contains(state.History, h => h.StartsWith("congested", StringComparison.Ordinal));
        Assert.Contains(state.History, h => h.StartsWith("recovered", StringComparison.Ordinal));
        var media = ReceivedMedia.Parse(viewer.Snapshot());
        var gap = media.LongestAudioGap();
        Assert.True(gap.Gap <= 1000, $"audio gap of {gap.Gap} ms at {gap.At - gap.First} ms into the view; {state}");
        // Each re-Play starts back at a key frame the viewer already has: that overlap is skipped, not played twice.
        var back = media.LongestAudioStepBack();
        Assert.True(back <= 100, $"audio went back {back} ms (replayed); {state}");
        Assert.True(media.ObjectsOf(Middle) > 0, "the viewer got the middle stream's pictures");
    }

    [Fact]
    public async Task A_configured_max_bitrate_picks_the_stream_that_fits_and_is_never_climbed_over()
    {
        var ladder = await GeneratedMedia.SmartStreamingLadderAsync();
        await using var gateway = await GatewayHarness.StartAsync(new Dictionary<string, string> { ["ladder"] = ladder }, origin =>
        [
            $"--Gateway:Streams:smart:Source=mmst://127.0.0.1:{origin.MmstPort}/ladder",
            "--Gateway:Streams:smart:MaxBitrate=400000",
            "--Gateway:Adaptation:MeasureFor=00:00:04",
            "--Gateway:Adaptation:HoldOff=00:00:02",
        ]);
        await using var viewer = RecordingViewer.Start(gateway.Http, "/streams/smart/live.asf");
        await WaitForAsync(gateway, s => OnVideo(s, Middle), TimeSpan.FromSeconds(20), "taking the middle stream under the cap");
        // A healthy link does not tempt it above the cap.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var state = await AdaptationState.ReadAsync(gateway.Http, "smart");
        Assert.True(OnVideo(state, Middle), state.ToString());
        Assert.DoesNotContain(state.History, h => h.StartsWith("recovered", StringComparison.Ordinal));
    }
}
