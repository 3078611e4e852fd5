using System.Globalization;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// A port or channel pair of a Transport parameter (<c>client_port=5000-5001</c>, <c>interleaved=0-1</c>). A single
/// value (<c>client_port=5000</c>, as ffmpeg sends for later streams, docs/protocol/rtsp.md#s2.3) is kept single so
/// that an echo repeats it as sent.
/// </summary>
public readonly record struct RtspPortPair(int First, int? Second)
{
    public static RtspPortPair Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int dash = value.IndexOf('-', StringComparison.Ordinal);
        int first = Number(dash < 0 ? value : value[..dash], value);
        return dash < 0 ? new RtspPortPair(first, null) : new RtspPortPair(first, Number(value[(dash + 1)..], value));
    }

    public override string ToString() => Second is int second
        ? string.Create(CultureInfo.InvariantCulture, $"{First}-{second}")
        : First.ToString(CultureInfo.InvariantCulture);

    private static int Number(string text, string whole)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n > 65535)
        {
            throw new MmsProtocolException($"Transport port or channel \"{RtspSessionHeader.Shorten(whole)}\" is not a number in 0..65535.");
        }

        return n;
    }
}
