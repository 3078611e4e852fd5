using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>Splits a small text body into lines with the limits every MS-RTSP body parser shares.</summary>
internal static class WmsBodyLines
{
    public static List<string> Split(ReadOnlySpan<byte> body, RtspLimits limits, string what)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (body.Length > limits.MaxContentLength) throw new MmsProtocolException($"{what} body of {body.Length} bytes exceeds the limit.");
        var lines = new List<string>();
        foreach (string line in Encoding.Latin1.GetString(body).Split('\n'))
        {
            string text = line.TrimEnd('\r').Trim();
            if (text.Length == 0) continue;
            if (lines.Count == limits.MaxListEntries) throw new MmsProtocolException($"{what} body has more than {limits.MaxListEntries} lines.");
            lines.Add(text);
        }

        return lines;
    }
}
