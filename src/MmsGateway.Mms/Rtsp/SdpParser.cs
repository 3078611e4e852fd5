using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Reads the SDP of a DESCRIBE answer (RFC 4566 with the WMS attributes of docs/protocol/rtsp.md#s3): session
/// and media lines, <c>a=control</c>, <c>a=rtpmap</c>, <c>a=stream</c>, <c>b=AS</c>, <c>a=range</c>,
/// <c>a=maxps</c>, and the base64 ASF header of <c>a=pgmpu</c>, decoded under <see cref="RtspLimits.MaxAsfHeaderBytes"/>.
/// Lines split at CR or LF as ffmpeg does (docs/protocol/rtsp.md#s3.5).
/// </summary>
public static class SdpParser
{
    /// <summary>The pgmpu prefix of the ASF header (docs/protocol/rtsp.md#s0.3).</summary>
    public const string AsfHeaderPrefix = "data:application/vnd.ms.wms-hdr.asfv1;base64,";

    public static SdpSession Parse(ReadOnlySpan<byte> sdp, RtspLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (sdp.Length > limits.MaxSdpBytes) throw new MmsProtocolException($"SDP of {sdp.Length} bytes exceeds the limit of {limits.MaxSdpBytes}.");
        string text = Encoding.UTF8.GetString(sdp); // UTF-8 unless a=charset says otherwise (RFC 4566 6); invalid bytes become U+FFFD

        var sessionAttributes = new List<SdpAttribute>();
        var media = new List<SdpMedia>();
        string? origin = null, name = null, connection = null, control = null;
        int? bandwidth = null, maxps = null;
        RtspNptRange? range = null;
        ReadOnlyMemory<byte>? asfHeader = null;
        MediaBuilder? current = null;
        bool sawVersion = false;

        foreach (string raw in text.Split('\r', '\n'))
        {
            string line = raw.TrimEnd();
            if (line.Length == 0) continue;
            if (line.Length < 2 || line[1] != '=' || !char.IsAsciiLetterLower(line[0]))
            {
                throw new MmsProtocolException($"SDP line \"{RtspSessionHeader.Shorten(line)}\" is not 'x=value'.");
            }

            char type = line[0];
            string value = line[2..];
            if (!sawVersion)
            {
                if (type != 'v') throw new MmsProtocolException("SDP does not start with v=.");
                sawVersion = true;
                continue;
            }

            if (type == 'm')
            {
                if (current is not null) media.Add(current.Build());
                if (media.Count == limits.MaxListEntries) throw new MmsProtocolException($"SDP has more than {limits.MaxListEntries} media descriptions.");
                current = MediaBuilder.FromLine(value);
                continue;
            }

            if (current is not null)
            {
                current.Add(type, value);
                continue;
            }

            switch (type)
            {
                case 'o': origin = value; break;
                case 's': name = value; break;
                case 'c': connection = value; break;
                case 'b': bandwidth = Bandwidth(value) ?? bandwidth; break;
                case 'a':
                    var attribute = Attribute(value);
                    sessionAttributes.Add(attribute);
                    switch (attribute.Name.ToLowerInvariant())
                    {
                        case "control": control = attribute.Value; break;
                        case "maxps": maxps = Number(attribute, attribute.Value); break;
                        case "range":
                            if (attribute.Value is string r && RtspNptRange.TryParse(r, out var parsed)) range = parsed;
                            break;
                        case "pgmpu":
                            if (attribute.Value is string v && v.StartsWith(AsfHeaderPrefix, StringComparison.OrdinalIgnoreCase))
                            {
                                // A later header line replaces an earlier one, as in ffmpeg (docs/protocol/rtsp.md#s3.2).
                                asfHeader = DecodeHeader(v.AsSpan(AsfHeaderPrefix.Length), limits);
                            }

                            break;
                    }

                    break;
            }
        }

        if (!sawVersion) throw new MmsProtocolException("SDP is empty.");
        if (current is not null) media.Add(current.Build());
        return new SdpSession
        {
            Origin = origin, SessionName = name, Connection = connection, BandwidthKbps = bandwidth, MaxPacketSize = maxps,
            Control = control, Range = range, AsfHeader = asfHeader, Attributes = sessionAttributes, Media = media,
        };
    }

    private static byte[] DecodeHeader(ReadOnlySpan<char> base64, RtspLimits limits)
    {
        base64 = base64.Trim();
        long decoded = (long)base64.Length * 3 / 4;
        if (decoded > limits.MaxAsfHeaderBytes)
        {
            throw new MmsProtocolException($"SDP pgmpu ASF header of about {decoded} bytes exceeds the limit of {limits.MaxAsfHeaderBytes}.");
        }

        byte[] buffer = new byte[decoded + 3];
        if (!Convert.TryFromBase64Chars(base64, buffer, out int written))
        {
            throw new MmsProtocolException("SDP pgmpu ASF header is not valid base64.");
        }

        return buffer.AsSpan(0, written).ToArray();
    }

    private static SdpAttribute Attribute(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? new SdpAttribute(value, null) : new SdpAttribute(value[..colon], value[(colon + 1)..]);
    }

    private static int? Bandwidth(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) throw new MmsProtocolException($"SDP b= line \"{RtspSessionHeader.Shorten(value)}\" has no ':'.");
        if (!value[..colon].Equals("AS", StringComparison.OrdinalIgnoreCase)) return null;
        return Number(new SdpAttribute("b=AS", null), value[(colon + 1)..]);
    }

    private static int Number(SdpAttribute attribute, string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new MmsProtocolException($"SDP {attribute.Name} value \"{RtspSessionHeader.Shorten(text ?? string.Empty)}\" is not a number.");

    private sealed class MediaBuilder
    {
        private readonly List<SdpAttribute> _attributes = [];
        private string _type = string.Empty, _protocol = string.Empty;
        private int _port;
        private IReadOnlyList<string> _formats = [];
        private int? _payloadType, _clockRate, _stream, _bandwidth;
        private string? _encoding, _control;

        public static MediaBuilder FromLine(string value)
        {
            string[] parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3) throw new MmsProtocolException($"SDP m= line \"{RtspSessionHeader.Shorten(value)}\" lacks media, port or protocol.");
            string port = parts[1];
            int slash = port.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0) port = port[..slash];
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p > 65535)
            {
                throw new MmsProtocolException($"SDP m= line port \"{RtspSessionHeader.Shorten(parts[1])}\" is not a port.");
            }

            return new MediaBuilder { _type = parts[0], _port = p, _protocol = parts[2], _formats = parts[3..] };
        }

        public void Add(char type, string value)
        {
            if (type == 'b')
            {
                _bandwidth = Bandwidth(value) ?? _bandwidth;
                return;
            }

            if (type != 'a') return;
            var attribute = Attribute(value);
            _attributes.Add(attribute);
            switch (attribute.Name.ToLowerInvariant())
            {
                case "control": _control = attribute.Value; break;
                case "stream": _stream = Number(attribute, attribute.Value); break;
                case "rtpmap":
                    // rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]
                    string map = attribute.Value ?? string.Empty;
                    int space = map.IndexOf(' ', StringComparison.Ordinal);
                    if (space < 0) throw new MmsProtocolException($"SDP rtpmap \"{RtspSessionHeader.Shorten(map)}\" has no encoding.");
                    _payloadType = Number(attribute, map[..space]);
                    string[] encoding = map[(space + 1)..].Trim().Split('/');
                    _encoding = encoding[0];
                    _clockRate = encoding.Length > 1 ? Number(attribute, encoding[1]) : null;
                    break;
            }
        }

        public SdpMedia Build() => new()
        {
            MediaType = _type, Port = _port, Protocol = _protocol, Formats = _formats, PayloadType = _payloadType,
            EncodingName = _encoding, ClockRate = _clockRate, Control = _control, StreamNumber = _stream,
            BandwidthKbps = _bandwidth, Attributes = _attributes,
        };
    }
}
