using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// <c>RTP-Info: url=…;seq=…;rtptime=…[, url=…]</c> (RFC 2326 12.33). An entry starts at <c>url=</c>, so a comma
/// inside a URL does not split it. live555 counts an entry only with both <c>seq</c> and <c>rtptime</c>
/// (docs/protocol/rtsp.md#s2.4).
/// </summary>
public static class RtpInfoHeader
{
    public static IReadOnlyList<RtpInfoEntry> Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // Cut before every ",url=" only: a piece is sliced once, so commas inside URLs cost nothing extra.
        var pieces = new List<string>();
        int start = 0;
        for (int comma = value.IndexOf(',', StringComparison.Ordinal); comma >= 0; comma = value.IndexOf(',', comma + 1))
        {
            if (!value.AsSpan(comma + 1).TrimStart().StartsWith("url=", StringComparison.OrdinalIgnoreCase)) continue;
            pieces.Add(value[start..comma]);
            start = comma + 1;
        }

        pieces.Add(value[start..]);

        var entries = new List<RtpInfoEntry>(pieces.Count);
        foreach (string piece in pieces)
        {
            if (entries.Count == RtspLimits.Default.MaxListEntries) throw new MmsProtocolException("RTP-Info lists too many streams.");
            string? url = null;
            ushort? seq = null;
            uint? rtptime = null;
            foreach (string part in piece.Split(';'))
            {
                int eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0) continue;
                string name = part[..eq].Trim();
                string v = part[(eq + 1)..].Trim();
                if (name.Equals("url", StringComparison.OrdinalIgnoreCase)) url = v;
                else if (name.Equals("seq", StringComparison.OrdinalIgnoreCase))
                {
                    seq = ushort.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ushort s)
                        ? s : throw new MmsProtocolException($"RTP-Info seq \"{RtspSessionHeader.Shorten(v)}\" is not a 16-bit number.");
                }
                else if (name.Equals("rtptime", StringComparison.OrdinalIgnoreCase))
                {
                    rtptime = uint.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out uint t)
                        ? t : throw new MmsProtocolException($"RTP-Info rtptime \"{RtspSessionHeader.Shorten(v)}\" is not a 32-bit number.");
                }
            }

            if (string.IsNullOrEmpty(url)) throw new MmsProtocolException($"RTP-Info entry \"{RtspSessionHeader.Shorten(piece)}\" has no url.");
            entries.Add(new RtpInfoEntry(url, seq, rtptime));
        }

        return entries;
    }

    public static string Format(IEnumerable<RtpInfoEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        foreach (var entry in entries)
        {
            if (text.Length > 0) text.Append(',');
            text.Append("url=").Append(entry.Url);
            if (entry.Sequence is ushort seq) text.Append(";seq=").Append(seq.ToString(CultureInfo.InvariantCulture));
            if (entry.RtpTime is uint time) text.Append(";rtptime=").Append(time.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
