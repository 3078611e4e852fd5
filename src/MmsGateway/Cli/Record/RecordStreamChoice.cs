using MmsGateway.Adaptation;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Mms.Client;

namespace MmsGateway.Cli.Record;

/// <summary>
/// What <c>record --max-bitrate</c> keeps: audio first, then the best video that fits what is left, else the lowest
/// video; the same steps smart streaming uses (<see cref="AdaptationLadder"/>), so several video streams without a
/// mutual-exclusion object (ffmpeg and VLC write none) are alternatives, not one stream each. A policy over the header
/// and the bitrates only: no I/O.
/// </summary>
internal static class RecordStreamChoice
{
    /// <summary>
    /// The header cannot tell which video fits: it has several video streams and some audio or video stream declares
    /// no bitrate (docs/protocol/asf.md#s4.11). The packets must be measured first.
    /// </summary>
    public static bool NeedsMeasuring(AsfHeader header) =>
        header.Streams.Count(s => s.Type == AsfStreamType.Video) > 1
        && header.Streams.Any(s => s.Type is AsfStreamType.Video or AsfStreamType.Audio && header.DeclaredBitrate(s.StreamNumber) is null);

    /// <summary>Every stream of the header with its thinning level (Full or Off) for <paramref name="maxBitrate"/>.</summary>
    /// <param name="bitrateOf">A stream's declared or measured bitrate, 0 when unknown.</param>
    public static IReadOnlyList<StreamSelection> Choose(AsfHeader header, long maxBitrate, Func<int, long> bitrateOf)
    {
        AdaptationRung? fits = AdaptationLadder.Build(header, bitrateOf, maxBitrate: maxBitrate).Rungs
            .FirstOrDefault(r => r.ThinningLevel == 0 && r.Bitrate <= maxBitrate);
        if (fits is not null) return fits.Selection;

        // Nothing fits: the lowest video, as the gateway's upstream selection does; audio-only content keeps its audio.
        IReadOnlyList<AdaptationRung> all = AdaptationLadder.Build(header, bitrateOf).Rungs;
        return (all.LastOrDefault(r => r.ThinningLevel == 0) ?? all[0]).Selection;
    }

    /// <summary>The streams a selection takes.</summary>
    public static AsfStreamSet Kept(IReadOnlyList<StreamSelection> selection) => UpstreamSelection.Selected(selection);
}
