using System.Globalization;

namespace MmsGateway.Mms.Rtsp;

/// <summary><c>X-Notice: code "text"</c> (MS-RTSP 2.2.6.18; docs/protocol/rtsp.md#s5.3).</summary>
public readonly record struct RtspNotice(int Code, string Text)
{
    /// <summary>The notice of an end-of-stream request (docs/protocol/rtsp.md#s5.1).</summary>
    public static readonly RtspNotice EndOfStream = new(2101, "End-of-Stream Reached");

    public RtspNoticeKind Kind => Code switch
    {
        2101 or 2104 or 2306 => RtspNoticeKind.EndOfStream,
        2401 or (>= 5500 and <= 5599) => RtspNoticeKind.PermissionDenied,
        >= 4400 and <= 5499 => RtspNoticeKind.IoError,
        _ => RtspNoticeKind.Other,
    };

    public static RtspNotice Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string text = value.Trim();
        int end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
        if (end is 0 or > 9) throw new MmsProtocolException($"X-Notice \"{RtspSessionHeader.Shorten(value)}\" does not start with a code.");
        int code = int.Parse(text.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture);
        string rest = text[end..].Trim();
        if (rest.Length >= 2 && rest[0] == '"' && rest[^1] == '"') rest = rest[1..^1];
        return new RtspNotice(code, rest);
    }

    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Code} \"{Text}\"");
}
