using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

/// <summary>Which of the hub's streams one viewer receives (<c>?maxBitrate=</c>).</summary>
public static class ViewerStreams
{
    /// <summary>
    /// Every stream the hub offers, less the video streams above the viewer's <paramref name="maxBitrate"/> (after its
    /// audio; the lowest video stays when none fits). When the hub receives several of the remaining video streams at
    /// once (smart streaming off, or a source whose video streams are not alternatives), only the best of those that
    /// arrive is kept; with smart streaming on, the hub receives one at a time and the viewer follows its steps.
    /// Without a cap: everything offered.
    /// </summary>
    public static AsfStreamSet Choose(HubStream stream, long? maxBitrate)
    {
        if (maxBitrate is not > 0 || stream.VideoStreams.Count <= 1) return stream.Offered;
        var keep = stream.Offered;
        foreach (var v in stream.VideoStreams.Numbers) keep = keep.Without(v);
        long budget = maxBitrate.Value;
        foreach (var a in stream.AudioStreams.Numbers) budget -= stream.BitrateOf(a);
        var videos = stream.VideoStreams.Numbers.OrderByDescending(stream.BitrateOf).ToList();
        var fitting = videos.Where(v => stream.BitrateOf(v) <= budget).ToList();
        if (fitting.Count == 0) fitting = [videos[^1]];
        var arriving = fitting.Where(stream.UpstreamStreams.Contains).ToList();
        if (arriving.Count > 1) fitting = [arriving[0]];
        foreach (var v in fitting) keep = keep.With(v);
        return keep;
    }

    public static AsfStreamSet Video(AsfHeader header, AsfStreamSet streams) =>
        AsfStreamSet.Of(header.Streams.Where(s => s.Type == AsfStreamType.Video && streams.Contains(s.StreamNumber)).Select(s => s.StreamNumber));
}
