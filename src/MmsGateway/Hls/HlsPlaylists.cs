using System.Globalization;
using System.Text;

namespace MmsGateway.Hls;

/// <summary>Writes HLS playlists (RFC 8216bis): the multivariant playlist and low-latency media playlists.</summary>
public static class HlsPlaylists
{
    public const string ContentType = "application/vnd.apple.mpegurl";

    /// <summary>How many target durations at the live edge keep their <c>EXT-X-PART</c> lines.</summary>
    private const int PartListedTargetDurations = 3;

    /// <summary>
    /// One <c>EXT-X-STREAM-INF</c> per variant, pointing at <c>hls/{variant}/index.m3u8</c> next to the multivariant
    /// playlist. The first listed variant is where players start.
    /// </summary>
    public static string Multivariant(IReadOnlyList<HlsVariant> variants)
    {
        var text = new StringBuilder();
        text.Append("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        foreach (var v in variants)
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-STREAM-INF:BANDWIDTH={v.Bandwidth},AVERAGE-BANDWIDTH={v.AverageBandwidth}");
            if (v.Width > 0 && v.Height > 0) text.Append(CultureInfo.InvariantCulture, $",RESOLUTION={v.Width}x{v.Height}");
            text.Append(CultureInfo.InvariantCulture, $",CODECS=\"{v.Codecs}\"\n");
            text.Append("hls/").Append(v.Id).Append("/index.m3u8\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// A live media playlist of <paramref name="window"/>: <c>EXT-X-MAP</c> before the first segment of each init,
    /// <c>EXT-X-DISCONTINUITY</c> where a new ffmpeg run or an upstream reconnect begins, partial segments for the
    /// last few target durations, and a preload hint for the next part. Segment URIs are
    /// <c>{epoch}/{msn}.m4s</c>, parts <c>{epoch}/{msn}.{part}.m4s</c>, inits <c>{epoch}/init{generation}.mp4</c>.
    /// </summary>
    public static string Media(HlsWindow window, string epoch)
    {
        var text = new StringBuilder(2048);
        var first = window.Segments.Count > 0 ? window.Segments[0].Msn : window.Open?.Msn ?? window.NextMsn;
        var partTarget = window.PartTarget;
        text.Append("#EXTM3U\n#EXT-X-VERSION:6\n")
            .Append(CultureInfo.InvariantCulture, $"#EXT-X-TARGETDURATION:{window.TargetDuration}\n")
            .Append(CultureInfo.InvariantCulture, $"#EXT-X-PART-INF:PART-TARGET={partTarget:0.000}\n")
            .Append(CultureInfo.InvariantCulture,
                $"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={3 * partTarget:0.000},HOLD-BACK={3 * window.TargetDuration:0.000}\n")
            .Append(CultureInfo.InvariantCulture, $"#EXT-X-MEDIA-SEQUENCE:{first}\n")
            .Append(CultureInfo.InvariantCulture, $"#EXT-X-DISCONTINUITY-SEQUENCE:{window.DiscontinuitySequence}\n")
            .Append("#EXT-X-INDEPENDENT-SEGMENTS\n");

        // Parts are listed for the segments that end within the last few target durations.
        var partsFrom = long.MaxValue;
        double tail = window.Open?.Duration ?? 0;
        for (var i = window.Segments.Count - 1; i >= 0; i--)
        {
            if (tail >= PartListedTargetDurations * window.TargetDuration) break;
            partsFrom = window.Segments[i].Msn;
            tail += window.Segments[i].Duration;
        }

        var lastInit = -1;
        foreach (var segment in window.Segments)
        {
            WriteSegmentStart(text, segment, epoch, ref lastInit);
            if (segment.Msn >= partsFrom) WriteParts(text, segment, epoch);
            text.Append(CultureInfo.InvariantCulture, $"#EXTINF:{segment.Duration:0.00000},\n{epoch}/{segment.Msn}.m4s\n");
        }
        if (window.Open is { } open)
        {
            WriteSegmentStart(text, open, epoch, ref lastInit);
            WriteParts(text, open, epoch);
        }
        if (!window.Ended)
        {
            var (msn, part) = window.NextPart;
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{epoch}/{msn}.{part}.m4s\"\n");
        }
        return text.ToString();
    }

    private static void WriteSegmentStart(StringBuilder text, HlsSegment segment, string epoch, ref int lastInit)
    {
        if (segment.Discontinuity) text.Append("#EXT-X-DISCONTINUITY\n");
        if (segment.Init.Generation == lastInit) return;
        lastInit = segment.Init.Generation;
        text.Append(CultureInfo.InvariantCulture, $"#EXT-X-MAP:URI=\"{epoch}/init{segment.Init.Generation}.mp4\"\n");
    }

    private static void WriteParts(StringBuilder text, HlsSegment segment, string epoch)
    {
        foreach (var part in segment.Parts)
        {
            text.Append(CultureInfo.InvariantCulture, $"#EXT-X-PART:DURATION={part.Duration:0.00000},URI=\"{epoch}/{segment.Msn}.{part.Index}.m4s\"");
            text.Append(part.Independent ? ",INDEPENDENT=YES\n" : "\n");
        }
    }
}
