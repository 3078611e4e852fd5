using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The SelectStream body, <c>application/x-wms-streamswitch</c> (MS-RTSP 2.2.7.10, 2.2.6.3.9;
/// docs/protocol/rtsp.md#s6.2): one entry per line, fields separated by spaces. Written as
/// <c>OldStream NewStream ThinLevel OldStreamURI NewStreamURI</c>; read with 3 to 5 fields, since the exact field
/// list is not confirmed (the sheet marks it uncertain).
/// </summary>
public static class WmsStreamSwitch
{
    public const string ContentType = "application/x-wms-streamswitch";

    public static IReadOnlyList<WmsStreamSwitchEntry> Parse(ReadOnlySpan<byte> body, RtspLimits limits)
    {
        var entries = new List<WmsStreamSwitchEntry>();
        foreach (string line in WmsBodyLines.Split(body, limits, "x-wms-streamswitch"))
        {
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length is < 3 or > 5
                || !uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint oldStream)
                || !uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint newStream)
                || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int thin) || thin > 2)
            {
                throw new MmsProtocolException($"x-wms-streamswitch line \"{RtspSessionHeader.Shorten(line)}\" is not 'OldStream NewStream ThinLevel [URIs]'.");
            }

            string? oldUri = fields.Length == 5 ? fields[3] : null;
            string? newUri = fields.Length >= 4 ? fields[^1] : null;
            entries.Add(new WmsStreamSwitchEntry(oldStream, newStream, thin, oldUri, newUri));
        }

        if (entries.Count == 0) throw new MmsProtocolException("x-wms-streamswitch body has no entry.");
        return entries;
    }

    public static byte[] Format(IEnumerable<WmsStreamSwitchEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        foreach (var e in entries)
        {
            if (e.ThinLevel is < 0 or > 2) throw new ArgumentException("ThinLevel is 0, 1 or 2.", nameof(entries));
            text.Append(CultureInfo.InvariantCulture, $"{e.OldStream} {e.NewStream} {e.ThinLevel}");
            if (e.OldStreamUri is not null || e.NewStreamUri is not null)
            {
                text.Append(' ').Append(e.OldStreamUri ?? e.NewStreamUri).Append(' ').Append(e.NewStreamUri ?? e.OldStreamUri);
            }

            text.Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
