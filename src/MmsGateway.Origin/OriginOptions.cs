using System.Net;

namespace MmsGateway.Origin;

/// <summary>Settings of the MMS origin server (<c>origin</c> verb, docs/design.md).</summary>
public sealed record OriginOptions
{
    /// <summary>Folder whose ASF files (.asf, .wmv, .wma) are served on demand, by their path below it.</summary>
    public required string Root { get; init; }

    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>MMST (and MMSU control) TCP port; 0 picks a free port, -1 disables MMST.</summary>
    public int MmstPort { get; init; } = 1755;

    /// <summary>MMSH (HTTP) port; 0 picks a free port, -1 disables MMSH.</summary>
    public int HttpPort { get; init; } = 8081;

    /// <summary>
    /// MS-RTSP (TCP) port (docs/protocol/rtsp.md#s1.2: 554 on a real server); 0 picks a free port, -1 (the default)
    /// disables RTSP. Its RTP over UDP uses per-session ports the SETUP answer names.
    /// </summary>
    public int RtspPort { get; init; } = -1;

    /// <summary>
    /// UDP port receiving MMSU resend requests; 0 picks a free port, -1 disables MMSU; null (the default) takes the
    /// MMST port's number, as Windows Media servers did (1755 for both), so that origins on distinct MMST ports do
    /// not clash on UDP.
    /// </summary>
    public int? UdpPort { get; init; }

    /// <summary>Live broadcasts: name → ASF file looped forever.</summary>
    public IReadOnlyDictionary<string, string> Live { get; init; } = new Dictionary<string, string>();

    /// <summary>Live broadcasts also sent to a multicast group: name → group:port.</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Multicast { get; init; } = new Dictionary<string, IPEndPoint>();

    /// <summary>Per-session throughput cap in bits per second; 0 = none. Changeable while running.</summary>
    public long RateBps { get; init; }

    /// <summary>Percentage of first-time MMSU datagrams and RTSP's RTP datagrams over UDP dropped on purpose, so resend can be tested.</summary>
    public double UdpLossPercent { get; init; }

    public OriginFaults Faults { get; init; } = new();

    /// <summary>Credentials (<c>user:password</c>) required over MMST (Basic) and RTSP (Basic or Digest) when set.</summary>
    public string? BasicCredentials { get; init; }

    /// <summary>Names answered with an MMS redirect to another URL.</summary>
    public IReadOnlyDictionary<string, string> Redirects { get; init; } = new Dictionary<string, string>();

    /// <summary>A session that sends nothing for this long is dropped (docs/protocol/servers.md#s3.1.12).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The RTSP session timeout announced in <c>Session: id;timeout=N</c> (docs/protocol/rtsp.md#s2.9); a session that
    /// hears no request for this long while not streaming is dropped (ffmpeg sends no keep-alive while paused).
    /// </summary>
    public TimeSpan RtspSessionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often an idle MMST control channel is pinged (docs/protocol/mmst.md#s1.5.10: 30 s).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Media sent at full speed at the start of an MMSU play before pacing by send times. Kept short: a burst larger
    /// than the client's socket buffer is lost, and clients such as vlc never ask for resends.
    /// </summary>
    public TimeSpan UdpBurst { get; init; } = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (!Directory.Exists(Root)) throw new ArgumentException($"--root: {Root} is not a directory");
        foreach (var (name, file) in Live)
        {
            if (!File.Exists(file)) throw new ArgumentException($"--live {name}: {file} does not exist");
        }
        foreach (var (name, group) in Multicast)
        {
            if (!Live.ContainsKey(name)) throw new ArgumentException($"--multicast {name}: there is no --live {name} to send");
            if (!IPAddress.IsLoopback(group.Address) && (group.Address.GetAddressBytes()[0] & 0xF0) != 0xE0)
                throw new ArgumentException($"--multicast {name}: {group.Address} is not a multicast group (224.0.0.0/4)");
        }
        if (RateBps < 0) throw new ArgumentException("--rate must be 0 (no cap) or positive");
        if (UdpLossPercent is < 0 or >= 100) throw new ArgumentException("--udp-loss must be in 0..99");
        if (BasicCredentials is { } c && !c.Contains(':', StringComparison.Ordinal)) throw new ArgumentException("--auth must be USER:PASSWORD");
    }
}

/// <summary>Faults injected into every session, for the gateway's robustness tests. Changeable while running.</summary>
public sealed record OriginFaults
{
    /// <summary>Close the connection after streaming this long.</summary>
    public TimeSpan? DisconnectAfter { get; init; }

    /// <summary>Stop sending (keep the connection open) after streaming this long.</summary>
    public TimeSpan? StallAfter { get; init; }

    /// <summary>Send random bytes instead of packets after streaming this long.</summary>
    public TimeSpan? GarbageAfter { get; init; }

    /// <summary>Protocols refused (mmst, mmsh, mmsu, rtsp): MMST/MMSH/RTSP do not listen, MMSU answers "protocol failed" (rollover tests).</summary>
    public IReadOnlySet<string> Refuse { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reset the connection right after the client's first message (handshake failure tests).</summary>
    public bool ResetDuringHandshake { get; init; }

    public bool Refuses(string protocol) => Refuse.Contains(protocol);
}
