using System.Globalization;
using System.Text.RegularExpressions;
using MmsGateway.Hls;
using MmsGateway.Hls.Fmp4;

namespace MmsGateway.Tests.Hls;

/// <summary>Cutting fragments into segments and parts, the sliding window, discontinuities, and the playlists.</summary>
public sealed class HlsSegmenterTests
{
    private const uint Video = 1;
    private const uint Audio = 2;
    private static readonly Fmp4Init AvInit = new([1, 2, 3], [
        new Mp4Track(Video, Mp4TrackKind.Video, 1000, "avc1.64001e", 320, 240, 0, 0),
        new Mp4Track(Audio, Mp4TrackKind.Audio, 48000, "mp4a.40.2", 0, 0, 0, 0),
    ]);
    private static readonly Fmp4Init AudioInit = new([4, 5], [new Mp4Track(Audio, Mp4TrackKind.Audio, 48000, "mp4a.40.2", 0, 0, 0, 0)]);

    private static HlsSegmenter New(int window = 5) => new(new HlsSegmenterSettings(1.0, 0.25, window));

    /// <summary>A 200-ms fragment at <paramref name="ms"/>, starting with a key frame or not.</summary>
    private static Fmp4Fragment Part(long ms, bool key, long durationMs = 200) =>
        new([(byte)(ms / 100)], [new FragmentTrack(Video, (ulong)ms, (ulong)durationMs, 5, key), new FragmentTrack(Audio, (ulong)(ms * 48), (ulong)(durationMs * 48), 10, true)]);

    /// <summary>Feeds fragments of 200 ms from <paramref name="fromMs"/> to <paramref name="toMs"/>, key frames where the grid says.</summary>
    private static void Feed(HlsSegmenter s, long fromMs, long toMs, Func<long, bool> key)
    {
        for (var ms = fromMs; ms < toMs; ms += 200) s.Append(Part(ms, key(ms)));
    }

    // An encoder's key frames at 0, then on a 1-s grid (fragments here fall on 0.2-s steps: 0, 0.6, 1.6, 2.6 ...).
    private static bool Grid(long ms) => ms == 0 || ms % 1000 == 600;

    [Fact]
    public void Segments_are_cut_at_key_frames_near_the_target_and_the_first_one_is_short()
    {
        var s = New(window: 100);
        s.StartInit(AvInit);
        Feed(s, 0, 5600, Grid);
        var w = s.Current;
        Assert.Equal([0.6, 1.0, 1.0, 1.0, 1.0], w.Segments.Select(x => Math.Round(x.Duration, 3)));
        Assert.All(w.Segments, x => Assert.True(x.Parts[0].Independent && x.Complete));
        Assert.Equal([0L, 1, 2, 3, 4], w.Segments.Select(x => x.Msn));
        Assert.Equal(5, w.Open!.Msn);
        Assert.Equal((5L, w.Open.Parts.Count), w.NextPart);
        // A complete segment's bytes are its parts' bytes in order.
        Assert.Equal(w.Segments[1].Parts.SelectMany(p => p.Data), w.Segments[1].Data!);
        Assert.Equal(1, w.TargetDuration);
    }

    [Fact]
    public void Nothing_before_the_first_key_frame_is_kept_and_segments_wait_for_key_frames()
    {
        var s = New(window: 100);
        s.StartInit(AvInit);
        s.Append(Part(0, key: false));
        Assert.Null(s.Current.Open);
        // Key frames every 2.4 s (copied source with a long GOP): segments follow the GOP, and the target grows.
        Feed(s, 200, 7400, ms => ms % 2400 == 200);
        var w = s.Current;
        Assert.Equal([2.4, 2.4], w.Segments.Select(x => Math.Round(x.Duration, 3)));
        Assert.Equal(2, w.TargetDuration);
    }

    [Fact]
    public void Audio_only_fragments_are_all_independent()
    {
        var s = New(window: 100);
        s.StartInit(AudioInit);
        for (var ms = 0L; ms < 4000; ms += 250)
            s.Append(new Fmp4Fragment([1], [new FragmentTrack(Audio, (ulong)(ms * 48), 250 * 48, 12, true)]));
        var w = s.Current;
        Assert.Equal([0.25, 1.0, 1.0, 1.0], w.Segments.Select(x => Math.Round(x.Duration, 3)));
        Assert.All(w.Segments.SelectMany(x => x.Parts), p => Assert.True(p.Independent));
    }

    [Fact]
    public void The_window_slides_and_counts_the_discontinuities_that_leave_it()
    {
        var s = New(window: 3);
        s.StartInit(AvInit);
        Feed(s, 0, 3600, Grid);
        s.EndOfStream("ffmpeg exited");
        Assert.True(s.Current.Ended);
        Assert.DoesNotContain("PRELOAD-HINT", HlsPlaylists.Media(s.Current, "e"));

        // ffmpeg restarted: a new init generation, its first segment is a discontinuity with its own EXT-X-MAP.
        s.StartInit(AvInit);
        Feed(s, 0, 2600, Grid);
        var w = s.Current;
        Assert.Equal(3, w.Segments.Count);
        var text = HlsPlaylists.Media(w, "e");
        Assert.Contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"e/init2.mp4\"", text);
        Assert.Equal(0, w.DiscontinuitySequence);
        Assert.Equal(w.Segments[0].Msn, long.Parse(Regex.Match(text, "#EXT-X-MEDIA-SEQUENCE:(\\d+)").Groups[1].Value, CultureInfo.InvariantCulture));
        // The first segment of the new run is listed with the map of the old run before it, if still in the window.
        var first = w.Segments[0];
        Assert.Contains($"#EXT-X-MAP:URI=\"e/init{first.Init.Generation}.mp4\"", text);

        // Once the tagged segment slides out, EXT-X-DISCONTINUITY-SEQUENCE counts it.
        Feed(s, 2600, 6600, Grid);
        w = s.Current;
        Assert.All(w.Segments, x => Assert.Equal(2, x.Init.Generation));
        Assert.Equal(1, w.DiscontinuitySequence);
        Assert.DoesNotContain("#EXT-X-DISCONTINUITY\n", HlsPlaylists.Media(w, "e"));
    }

    [Fact]
    public void A_rendition_started_again_continues_the_media_sequence_behind_a_discontinuity()
    {
        var s = new HlsSegmenter(new HlsSegmenterSettings(1.0, 0.25, 5), firstMsn: 42, discontinuitySequence: 3);
        s.StartInit(AvInit);
        Feed(s, 0, 2800, Grid);
        var w = s.Current;
        Assert.Equal(42, w.Segments[0].Msn);
        Assert.True(w.Segments[0].Discontinuity);
        var text = HlsPlaylists.Media(w, "e");
        Assert.Contains("#EXT-X-MEDIA-SEQUENCE:42\n#EXT-X-DISCONTINUITY-SEQUENCE:3\n", text);
        Assert.Contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"e/init1.mp4\"", text);
    }

    [Fact]
    public void An_upstream_reconnect_makes_the_next_segment_a_discontinuity_without_a_new_map()
    {
        var s = New(window: 10);
        s.StartInit(AvInit);
        Feed(s, 0, 1000, Grid);
        s.MarkDiscontinuity();
        // The cut happens at the next key frame even though the segment is short.
        Feed(s, 1000, 3800, ms => ms == 1000 || Grid(ms));
        var w = s.Current;
        Assert.Equal([0.6, 0.4, 1.6, 1.0], w.Segments.Select(x => Math.Round(x.Duration, 3)));
        var tagged = w.Segments.Where(x => x.Discontinuity).ToList();
        Assert.Single(tagged);
        Assert.Equal(10, tagged[0].Parts[0].Data[0]); // the fragment at 1.0 s
        var text = HlsPlaylists.Media(w, "e");
        Assert.Single(Regex.Matches(text, "#EXT-X-MAP:"));
        Assert.Single(Regex.Matches(text, "#EXT-X-DISCONTINUITY\n"));
    }

    [Fact]
    public void Media_playlists_list_parts_for_the_last_target_durations_and_hint_the_next_part()
    {
        var s = New(window: 10);
        s.StartInit(AvInit);
        Feed(s, 0, 8800, Grid);
        var w = s.Current;
        var text = HlsPlaylists.Media(w, "abc");
        Assert.StartsWith("#EXTM3U\n", text);
        Assert.Contains("#EXT-X-TARGETDURATION:1\n", text);
        Assert.Contains("#EXT-X-PART-INF:PART-TARGET=0.250\n", text);
        Assert.Contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.750,HOLD-BACK=3.000\n", text);
        Assert.Contains("#EXT-X-MAP:URI=\"abc/init1.mp4\"\n", text);
        Assert.Equal(w.Segments.Count, Regex.Matches(text, "#EXTINF:").Count);
        // Parts of the open segment and of the segments in the last three target durations only.
        var partSegments = Regex.Matches(text, "#EXT-X-PART:DURATION=[0-9.]+,URI=\"abc/(\\d+)\\.\\d+\\.m4s\"").Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToList();
        Assert.Equal(w.Open!.Msn, partSegments[^1]);
        Assert.InRange(partSegments.Count, 3, 4);
        Assert.Contains($"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"abc/{w.Open.Msn}.{w.Open.Parts.Count}.m4s\"", text);
        Assert.Contains(",INDEPENDENT=YES", text);
    }

    [Fact]
    public async Task Blocking_waits_end_when_the_part_arrives_or_the_time_is_up()
    {
        var s = New();
        s.StartInit(AvInit);
        Feed(s, 0, 1000, Grid);
        var (msn, part) = s.Current.NextPart;
        Assert.False(s.Current.Satisfies(msn, part));
        var waiting = s.WaitAsync(w => w.Satisfies(msn, part), TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        Feed(s, 1000, 1200, Grid);
        var window = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(window.Satisfies(msn, part));
        Assert.True(window.Satisfies(msn - 1, null));
        Assert.False(window.Satisfies(msn, null)); // the whole segment is not complete yet

        var timedOut = await s.WaitAsync(w => w.Satisfies(msn + 5, 0), TimeSpan.FromMilliseconds(100), CancellationToken.None);
        Assert.False(timedOut.Satisfies(msn + 5, 0));
    }

    [Fact]
    public void The_multivariant_playlist_names_bandwidth_resolution_and_codecs()
    {
        var text = HlsPlaylists.Multivariant([
            new HlsVariant("v1", 1, 4, false, false, 500_000, 128_000, 320, 240, 2, "avc1.64001e,mp4a.40.2"),
            new HlsVariant("v3", 3, 4, false, false, 100_000, 128_000, 160, 120, 2, "avc1.64001e,mp4a.40.2"),
        ]);
        Assert.Equal(
            "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
            "#EXT-X-STREAM-INF:BANDWIDTH=773800,AVERAGE-BANDWIDTH=659400,RESOLUTION=320x240,CODECS=\"avc1.64001e,mp4a.40.2\"\nhls/v1/index.m3u8\n" +
            "#EXT-X-STREAM-INF:BANDWIDTH=273800,AVERAGE-BANDWIDTH=239400,RESOLUTION=160x120,CODECS=\"avc1.64001e,mp4a.40.2\"\nhls/v3/index.m3u8\n",
            text);
        var audio = HlsPlaylists.Multivariant([new HlsVariant("audio", null, 1, false, false, 0, 64_000, 0, 0, 1, "mp4a.40.2")]);
        Assert.DoesNotContain("RESOLUTION", audio);
        Assert.Contains("CODECS=\"mp4a.40.2\"\nhls/audio/index.m3u8\n", audio);
    }
}
