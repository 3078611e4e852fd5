using System.Globalization;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// An npt range (RFC 2326 3.6): <c>npt=start-[end]</c> in seconds with fractions, <c>now-</c> for live, or
/// <c>h:mm:ss[.frac]</c>. Used by the <c>Range</c> header and SDP <c>a=range</c> (docs/protocol/rtsp.md#s2.4,
/// docs/protocol/rtsp.md#s3.3). A null <see cref="StartSeconds"/> is <c>now</c>; a null end is open.
/// </summary>
public readonly record struct RtspNptRange(double? StartSeconds, double? EndSeconds)
{
    /// <summary>Parses an npt range; throws for other units (smpte, clock, x-asf-packet) and malformed values.</summary>
    public static RtspNptRange Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TryParseCore(value, out var range, out bool otherUnit))
        {
            throw new MmsProtocolException(otherUnit
                ? $"Range \"{RtspSessionHeader.Shorten(value)}\" is not in npt units."
                : $"Range \"{RtspSessionHeader.Shorten(value)}\" is not a valid npt range.");
        }

        return range;
    }

    /// <summary>False for a range in another unit; throws for a malformed npt range.</summary>
    public static bool TryParse(string value, out RtspNptRange range)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (TryParseCore(value, out range, out bool otherUnit)) return true;
        if (otherUnit) return false;
        throw new MmsProtocolException($"Range \"{RtspSessionHeader.Shorten(value)}\" is not a valid npt range.");
    }

    /// <summary><c>npt=3.100-173.903</c>, <c>npt=0.000-</c>, <c>npt=now-</c>: three decimals, as ffmpeg writes.</summary>
    public string Format()
    {
        string start = StartSeconds is double s ? s.ToString("0.000", CultureInfo.InvariantCulture) : "now";
        string end = EndSeconds is double e ? e.ToString("0.000", CultureInfo.InvariantCulture) : string.Empty;
        return $"npt={start}-{end}";
    }

    private static bool TryParseCore(string value, out RtspNptRange range, out bool otherUnit)
    {
        range = default;
        otherUnit = false;
        string text = value.Trim();
        int semi = text.IndexOf(';', StringComparison.Ordinal);
        if (semi >= 0) text = text[..semi].Trim(); // ";time=" (RFC 2326 12.29) is not needed here.
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0) return false;
        if (!text[..eq].Trim().Equals("npt", StringComparison.OrdinalIgnoreCase))
        {
            otherUnit = true;
            return false;
        }

        string span = text[(eq + 1)..].Trim();
        int dash = span.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0) return false;
        string startText = span[..dash].Trim();
        string endText = span[(dash + 1)..].Trim();
        double? start;
        if (startText.Equals("now", StringComparison.OrdinalIgnoreCase)) start = null;
        else if (startText.Length == 0) start = 0; // "npt=-5": from the beginning (RFC 2326 3.6 allows an open start).
        else if (TimeOf(startText) is double s) start = s;
        else return false;

        double? end = null;
        if (endText.Length > 0)
        {
            if (TimeOf(endText) is not double e) return false;
            end = e;
        }

        range = new RtspNptRange(start, end);
        return true;
    }

    private static double? TimeOf(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length is not (1 or 3)) return null;
        double seconds = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            var style = last ? NumberStyles.AllowDecimalPoint : NumberStyles.None;
            if (parts[i].Length == 0 || !double.TryParse(parts[i], style, CultureInfo.InvariantCulture, out double n)) return null;
            seconds = (seconds * 60) + n;
        }

        return double.IsFinite(seconds) && seconds <= 1e9 ? seconds : null;
    }
}
