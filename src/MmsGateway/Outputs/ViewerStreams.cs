using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

/// <summary>Which of the hub's streams one viewer receives (<c>?maxBitrate=</c>).</summary>
public static class ViewerStreams
{
    /// <summary>
    /// All audio and non-video streams the hub carries, plus its best video stream that fits
    /// <paramref name="maxBitrate"/> after the audio (the lowest if none fits). Without a cap: every stream.
    /// </summary>
    public static AsfStreamSet Choose(HubStream stream, long? maxBitrate)
    {
        if (maxBitrate is not > 0 || stream.VideoStreams.Count <= 1) return stream.UpstreamStreams;
        var keep = stream.UpstreamStreams;
        foreach (var v in stream.VideoStreams.Numbers) keep = keep.Without(v);
        long budget = maxBitrate.Value;
        foreach (var a in stream.AudioStreams.Numbers) budget -= stream.BitrateOf(a);
        var videos = stream.VideoStreams.Numbers.OrderByDescending(stream.BitrateOf).ToList();
        var pick = videos.FirstOrDefault(v => stream.BitrateOf(v) <= budget, videos[^1]);
        return keep.With(pick);
    }

    public static AsfStreamSet Video(AsfHeader header, AsfStreamSet streams) =>
        AsfStreamSet.Of(header.Streams.Where(s => s.Type == AsfStreamType.Video && streams.Contains(s.StreamNumber)).Select(s => s.StreamNumber));
}
