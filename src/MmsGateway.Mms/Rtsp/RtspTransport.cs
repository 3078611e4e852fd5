using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// One transport-spec of a <c>Transport</c> header (RFC 2326 12.39; docs/protocol/rtsp.md#s2.3):
/// <c>RTP/AVP[/TCP|/UDP];unicast|multicast;interleaved=a-b;client_port=a-b;server_port=a-b;ssrc=hex;source=…;
/// destination=…;mode=…</c>. Parameter names are written in lower case, since ffmpeg compares them case-sensitively
/// (docs/protocol/rtsp.md#s2.8); unknown parameters are kept in <see cref="Other"/> and written back.
/// </summary>
public sealed record RtspTransport
{
    public string Profile { get; init; } = "RTP/AVP";
    public RtspLowerTransport Lower { get; init; }

    /// <summary>True for <c>multicast</c>; <c>unicast</c> otherwise (also the default when neither is given).</summary>
    public bool Multicast { get; init; }

    public RtspPortPair? Interleaved { get; init; }
    public RtspPortPair? ClientPort { get; init; }
    public RtspPortPair? ServerPort { get; init; }

    /// <summary><c>ssrc=</c>, hexadecimal on the wire (WMS writes 8 hex digits, docs/protocol/rtsp.md#s2.3).</summary>
    public uint? Ssrc { get; init; }

    public string? Source { get; init; }
    public string? Destination { get; init; }

    /// <summary><c>mode=</c> as sent (<c>play</c>, <c>PLAY</c>, <c>"PLAY"</c>).</summary>
    public string? Mode { get; init; }

    public IReadOnlyList<KeyValuePair<string, string?>> Other { get; init; } = [];

    /// <summary>Every transport-spec of a header value (comma-separated, in order of preference).</summary>
    public static IReadOnlyList<RtspTransport> ParseList(string headerValue)
    {
        ArgumentNullException.ThrowIfNull(headerValue);
        var specs = new List<RtspTransport>();
        foreach (string spec in headerValue.Split(','))
        {
            if (spec.Trim().Length == 0) continue;
            if (specs.Count == RtspLimits.Default.MaxListEntries) throw new MmsProtocolException("Transport header lists too many transport-specs.");
            specs.Add(Parse(spec));
        }

        if (specs.Count == 0) throw new MmsProtocolException("Transport header is empty.");
        return specs;
    }

    public static RtspTransport Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string[] parts = spec.Trim().Split(';');
        string protocol = parts[0].Trim();
        string[] layers = protocol.Split('/');
        if (layers.Length is < 2 or > 3 || layers[0].Length == 0 || layers[1].Length == 0)
        {
            throw new MmsProtocolException($"Transport \"{RtspSessionHeader.Shorten(spec)}\" does not start with a protocol/profile.");
        }

        var lower = RtspLowerTransport.Udp;
        if (layers.Length == 3)
        {
            if (layers[2].Equals("TCP", StringComparison.OrdinalIgnoreCase)) lower = RtspLowerTransport.Tcp;
            else if (!layers[2].Equals("UDP", StringComparison.OrdinalIgnoreCase))
            {
                throw new MmsProtocolException($"Transport lower transport \"{RtspSessionHeader.Shorten(layers[2])}\" is neither TCP nor UDP.");
            }
        }

        var result = new RtspTransport { Profile = layers[0] + "/" + layers[1], Lower = lower };
        var other = new List<KeyValuePair<string, string?>>();
        for (int i = 1; i < parts.Length; i++)
        {
            string part = parts[i].Trim();
            if (part.Length == 0) continue;
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string name = (eq < 0 ? part : part[..eq]).Trim();
            string? value = eq < 0 ? null : part[(eq + 1)..].Trim();
            switch (name.ToLowerInvariant())
            {
                case "unicast": result = result with { Multicast = false }; break;
                case "multicast": result = result with { Multicast = true }; break;
                case "interleaved": result = result with { Interleaved = RtspPortPair.Parse(Required(name, value)) }; break;
                case "client_port": result = result with { ClientPort = RtspPortPair.Parse(Required(name, value)) }; break;
                case "server_port": result = result with { ServerPort = RtspPortPair.Parse(Required(name, value)) }; break;
                case "ssrc":
                    if (!uint.TryParse(Required(name, value), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint ssrc))
                    {
                        throw new MmsProtocolException($"Transport ssrc \"{RtspSessionHeader.Shorten(value!)}\" is not hexadecimal.");
                    }

                    result = result with { Ssrc = ssrc };
                    break;
                case "source": result = result with { Source = value }; break;
                case "destination": result = result with { Destination = value }; break;
                case "mode": result = result with { Mode = value }; break;
                default: other.Add(new(name, value)); break;
            }
        }

        return result with { Other = other };
    }

    /// <summary>The transport-spec text, e.g. <c>RTP/AVP/UDP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D;mode=play</c>.</summary>
    public string Format()
    {
        var text = new StringBuilder(Profile).Append(Lower == RtspLowerTransport.Tcp ? "/TCP" : "/UDP");
        text.Append(Multicast ? ";multicast" : ";unicast");
        if (Destination is not null) text.Append(";destination=").Append(Destination);
        if (Source is not null) text.Append(";source=").Append(Source);
        if (Interleaved is RtspPortPair interleaved) text.Append(";interleaved=").Append(interleaved.ToString());
        if (ClientPort is RtspPortPair client) text.Append(";client_port=").Append(client.ToString());
        if (ServerPort is RtspPortPair server) text.Append(";server_port=").Append(server.ToString());
        if (Ssrc is uint ssrc) text.Append(";ssrc=").Append(ssrc.ToString("X8", CultureInfo.InvariantCulture));
        foreach (var (name, value) in Other)
        {
            text.Append(';').Append(name);
            if (value is not null) text.Append('=').Append(value);
        }

        if (Mode is not null) text.Append(";mode=").Append(Mode);
        return text.ToString();
    }

    private static string Required(string name, string? value) =>
        string.IsNullOrEmpty(value) ? throw new MmsProtocolException($"Transport parameter {name} has no value.") : value;
}
