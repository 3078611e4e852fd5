using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Mms.Client;

namespace MmsGateway.Adaptation;

/// <summary>One step of the ladder: what to ask the server for, and what it costs.</summary>
/// <param name="Selection">Every stream of the header with its thinning level (docs/protocol/selection.md#s5.4: unwanted ones at 2).</param>
/// <param name="Bitrate">Bits/s this step takes from the link (0 when a bitrate is not known yet).</param>
/// <param name="ThinningLevel">0 full video, 1 key frames only, 2 audio only: the <c>mmsgw_thinning_level</c> gauge.</param>
/// <param name="Video">The video streams taken, at level 0 or 1.</param>
public sealed record AdaptationRung(IReadOnlyList<StreamSelection> Selection, long Bitrate, int ThinningLevel, AsfStreamSet Video)
{
    /// <summary>Streams taken at level 0 or 1.</summary>
    public AsfStreamSet Streams => UpstreamSelection.Selected(Selection);

    public string Describe() => ThinningLevel switch
    {
        2 => $"audio only ({Bitrate / 1000} kbps)",
        1 => $"video {Video} key frames only ({Bitrate / 1000} kbps)",
        _ => $"video {Video} ({Bitrate / 1000} kbps)",
    };
}

/// <summary>
/// The steps smart streaming moves along (docs/design.md#adaptation, docs/protocol/asf.md#s4.11, docs/protocol/selection.md#s5.1), best first: for each
/// video stream of the source's bitrate group from the highest down, that stream with the audio; then the lowest
/// video stream at key frames only (thinning level 1); then audio alone. Audio is on every step: the best audio that
/// fits the configured cap, chosen before any video. Streams of neither kind (script commands) ride along on every
/// step. The video streams of one bitrate group are the source's Bitrate Mutual Exclusion group; a header with several
/// video streams and no exclusion object at all (ffmpeg writes none) is read as one group of alternatives.
/// A policy over the header only: no I/O, no time.
/// </summary>
public sealed class AdaptationLadder
{
    /// <summary>Share of a video stream's rate its key frames are assumed to take until measured.</summary>
    private const double AssumedKeyFrameShare = 0.2;

    private AdaptationLadder(IReadOnlyList<AdaptationRung> rungs, AsfStreamSet offered, AsfStreamSet candidates)
    {
        Rungs = rungs;
        Offered = offered;
        CandidateVideo = candidates;
    }

    /// <summary>Best first; never empty for a header with at least one stream.</summary>
    public IReadOnlyList<AdaptationRung> Rungs { get; }

    /// <summary>Every stream some rung takes: what viewers' headers list, so a step changes no viewer's layout.</summary>
    public AsfStreamSet Offered { get; }

    /// <summary>The video streams the ladder switches between.</summary>
    public AsfStreamSet CandidateVideo { get; }

    /// <summary>
    /// Builds the ladder. <paramref name="bitrateOf"/> gives a stream's declared or measured rate (0 = unknown);
    /// <paramref name="keyFrameBitrateOf"/> its key frames' measured rate (0 = unknown, then a fifth is assumed).
    /// With <paramref name="maxBitrate"/>, steps above it are left out (the lowest step always stays).
    /// </summary>
    public static AdaptationLadder Build(AsfHeader header, Func<int, long> bitrateOf, Func<int, long>? keyFrameBitrateOf = null, long? maxBitrate = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        keyFrameBitrateOf ??= _ => 0;
        var cap = maxBitrate is > 0 ? maxBitrate.Value : long.MaxValue;
        var audioGroups = new List<List<int>>();
        var videoGroups = new List<List<int>>();
        var grouped = new HashSet<int>();
        foreach (var exclusion in header.MutualExclusions)
        {
            var members = exclusion.StreamNumbers.Where(n => header.FindStream(n) is not null && grouped.Add(n)).ToList();
            if (members.Count == 0) continue;
            (header.FindStream(members[0])!.Type == AsfStreamType.Video ? videoGroups : audioGroups).Add(members);
        }
        var ungroupedVideo = header.Streams.Where(s => s.Type == AsfStreamType.Video && !grouped.Contains(s.StreamNumber)).Select(s => s.StreamNumber).ToList();
        if (header.MutualExclusions.Count == 0 && ungroupedVideo.Count > 1)
        {
            videoGroups.Add(ungroupedVideo);
            ungroupedVideo = [];
        }

        // Audio first, before any video: the best of each audio group that fits the cap, every ungrouped audio stream.
        var fixedOn = new List<int>();
        long budget = cap;
        foreach (var s in header.Streams.Where(s => s.Type != AsfStreamType.Video && !grouped.Contains(s.StreamNumber)))
        {
            fixedOn.Add(s.StreamNumber);
            budget -= bitrateOf(s.StreamNumber);
        }
        foreach (var group in audioGroups)
        {
            var byRate = group.OrderByDescending(bitrateOf).ToList();
            var pick = byRate.FirstOrDefault(n => bitrateOf(n) <= budget, byRate[^1]);
            fixedOn.Add(pick);
            budget -= bitrateOf(pick);
        }
        long fixedRate = fixedOn.Sum(bitrateOf);

        // Each video group best first; ungrouped video streams (alongside a real exclusion group) are on at every step.
        // Declared bitrates (Windows Media encoders write them) order a group; measured ones are too noisy for that
        // (ffmpeg's encoders miss their targets by a third), so then the picture size orders it first.
        var declared = header.Streams.Where(s => s.Type == AsfStreamType.Video).All(s => header.DeclaredBitrate(s.StreamNumber) is not null);
        var ordered = videoGroups.Select(g => (declared
            ? g.OrderByDescending(bitrateOf).ThenByDescending(n => PixelCount(header, n))
            : g.OrderByDescending(n => PixelCount(header, n)).ThenByDescending(bitrateOf)).ToList()).ToList();
        var steps = ordered.Count == 0 ? 1 : ordered.Max(g => g.Count);
        var rungs = new List<AdaptationRung>();
        for (var i = 0; i < steps; i++)
        {
            var video = ungroupedVideo.Concat(ordered.Select(g => g[Math.Min(i, g.Count - 1)])).Distinct().ToList();
            if (video.Count == 0) break;
            var rung = Rung(header, fixedOn, video, 0, fixedRate + video.Sum(bitrateOf));
            // A step that saves less than a tenth is no step: keep the better picture (measured ffmpeg streams often
            // come out at the same rate whatever their targets were).
            var known = video.All(n => bitrateOf(n) > 0);
            if (rungs.Count > 0 && known && rungs[^1].Video.Numbers.All(n => bitrateOf(n) > 0) && rung.Bitrate * 10 > rungs[^1].Bitrate * 9) continue;
            rungs.Add(rung);
        }
        var lowest = ungroupedVideo.Concat(ordered.Select(g => g[^1])).Distinct().ToList();
        if (lowest.Count > 0)
        {
            long keyFrames = lowest.Sum(n => keyFrameBitrateOf(n) is > 0 and var k ? k : (long)(bitrateOf(n) * AssumedKeyFrameShare));
            rungs.Add(Rung(header, fixedOn, lowest, 1, fixedRate + keyFrames));
        }
        if (fixedOn.Count > 0 || rungs.Count == 0) rungs.Add(Rung(header, fixedOn, [], 2, fixedRate));

        // The cap: drop steps above it, but never the last one (audio alone, or whatever the source has).
        var fitting = rungs.Where((r, index) => r.Bitrate <= cap || index == rungs.Count - 1).ToList();
        var candidates = AsfStreamSet.Of(ordered.SelectMany(g => g).Concat(ungroupedVideo));
        var offered = AsfStreamSet.Of(fixedOn.Concat(fitting.SelectMany(r => r.Video.Numbers)));
        return new AdaptationLadder(fitting, offered, candidates.Intersect(offered));
    }

    /// <summary>The best step within <paramref name="bitsPerSecond"/> (the last step when none fits).</summary>
    public int BestWithin(long bitsPerSecond)
    {
        for (var i = 0; i < Rungs.Count; i++)
            if (Rungs[i].Bitrate <= bitsPerSecond) return i;
        return Rungs.Count - 1;
    }

    private static AdaptationRung Rung(AsfHeader header, List<int> fixedOn, List<int> video, int level, long bitrate)
    {
        var selection = header.Streams.Select(s => new StreamSelection(s.StreamNumber,
            fixedOn.Contains(s.StreamNumber) ? StreamSelection.Full
            : video.Contains(s.StreamNumber) ? (level == 1 ? StreamSelection.KeyFramesOnly : StreamSelection.Full)
            : StreamSelection.Off)).ToList();
        return new AdaptationRung(selection, bitrate, level, level == 2 ? AsfStreamSet.None : AsfStreamSet.Of(video));
    }

    private static long PixelCount(AsfHeader header, int stream) =>
        header.FindStream(stream)?.Video is { } v ? (long)v.Width * v.Height : 0;
}
