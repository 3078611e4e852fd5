using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The body of an end-of-stream SET_PARAMETER, <c>application/x-wms-extension-cmd</c> (MS-RTSP 2.2.7.3, 2.2.6.3.4;
/// docs/protocol/rtsp.md#s5.1): <c>Session: id</c>, <c>EOF: true</c> and optionally one reason line.
/// </summary>
public sealed record WmsEndOfStream
{
    public const string ContentType = "application/x-wms-extension-cmd";

    public string? SessionId { get; init; }
    public bool EndOfFile { get; init; }
    public bool AdministrativeDisconnection { get; init; }
    public bool EndOfPlaylistEntry { get; init; }
    public bool RecedingEos { get; init; }

    /// <summary>Every <c>Name: value</c> line of the body, known or not, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = [];

    public static WmsEndOfStream Parse(ReadOnlySpan<byte> body, RtspLimits limits)
    {
        var fields = new List<KeyValuePair<string, string>>();
        var result = new WmsEndOfStream();
        foreach (string line in WmsBodyLines.Split(body, limits, "x-wms-extension-cmd"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new MmsProtocolException($"x-wms-extension-cmd line \"{RtspSessionHeader.Shorten(line)}\" is not 'Name: value'.");
            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            fields.Add(new(name, value));
            bool yes = value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1";
            result = name.ToLowerInvariant() switch
            {
                "session" => result with { SessionId = value },
                "eof" => result with { EndOfFile = yes },
                "administrativedisconnection" => result with { AdministrativeDisconnection = yes },
                "end-of-playlist-entry" => result with { EndOfPlaylistEntry = yes },
                "recedingeos" => result with { RecedingEos = yes },
                _ => result,
            };
        }

        return result with { Fields = fields };
    }

    /// <summary>The body bytes: CRLF lines, <c>Session</c> first.</summary>
    public byte[] Format()
    {
        var text = new StringBuilder();
        if (SessionId is not null) text.Append("Session: ").Append(SessionId).Append("\r\n");
        if (EndOfFile) text.Append("EOF: true\r\n");
        if (AdministrativeDisconnection) text.Append("AdministrativeDisconnection: true\r\n");
        if (EndOfPlaylistEntry) text.Append("End-Of-Playlist-Entry: true\r\n");
        if (RecedingEos) text.Append("RecedingEos: true\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
