using MmsGateway.Asf;
using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Client;

/// <summary>Settings of <see cref="MmsConnector"/> and the sessions it makes.</summary>
public sealed class MmsClientOptions
{
    /// <summary>Largest ASF header accepted (Header Object + 50 Data Object bytes) by default: 2 MiB.</summary>
    public const int DefaultMaxHeaderSize = 2 * 1024 * 1024;

    /// <summary>TCP connect, DNS included, per connection.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Everything after the first TCP connect until the first data can be read: MMST Connect … StartPlaying,
    /// MMSH Describe + Play up to the Play response's header. Also the budget of a seek or an MMSH re-Play.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest silence tolerated while reading the stream (idle timeout).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Streaming receives wait for about this much of the stream before waking the process (SO_RCVLOWAT, Linux; see
    /// <c>ReceiveBatching</c>); a receive never waits more than 2.5 times this for its batch. Zero: one wake-up per
    /// segment the server sends.
    /// </summary>
    public TimeSpan ReceiveBatchWindow { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// What <c>mms://</c> tries, in order (docs/protocol/rollover.md#s8.3, docs/protocol/rtsp.md#s1.1): RTSP over TCP, then MMST,
    /// then MMSH. The UDP transports are opt-in: add <see cref="MmsProtocol.Rtspu"/> or <see cref="MmsProtocol.Mmsu"/>
    /// here (or use an <c>rtspu://</c> / <c>mmsu://</c> URL), since their data needs inbound UDP, which NAT and
    /// Kubernetes usually block.
    /// </summary>
    public IReadOnlyList<MmsProtocol> RolloverOrder { get; set; } = [MmsProtocol.Rtspt, MmsProtocol.Mmst, MmsProtocol.Mmsh];

    /// <summary>
    /// The streams to ask for once the header is known. Default: every stream at level 0. (The real multi-bitrate
    /// policy — one stream per mutual-exclusion group within a bandwidth budget, docs/protocol/selection.md#s5.4 — belongs to the
    /// adaptation component, which passes it here.)
    /// </summary>
    public Func<AsfHeader, IReadOnlyList<StreamSelection>>? InitialSelection { get; set; }

    /// <summary>
    /// Where on-demand content starts (content time, no preroll): the first StartPlaying / Play asks for it directly,
    /// which saves the extra round trip of a <see cref="IMmsSession.SeekAsync"/> right after connecting. Ignored for
    /// live content.
    /// </summary>
    public TimeSpan? StartPosition { get; set; }

    /// <summary>
    /// The NSPlayer version announced in the MMST subscriber name and the MMSH User-Agent. Below 9.0 a server sends
    /// no <c>$M</c>, no Supported header and no chunked body (docs/protocol/mmsh.md#s2.3).
    /// </summary>
    public string PlayerVersion { get; set; } = "7.0.0.1956";

    /// <summary>The client GUID of every connect of a session (MS-MMSP 3.1.4.1.1); null: a new one per connect.</summary>
    public Guid? ClientGuid { get; set; }

    /// <summary>Largest ASF header accepted.</summary>
    public int MaxHeaderSize { get; set; } = DefaultMaxHeaderSize;

    /// <summary>Redirects followed (MMST ReportRedirect, HTTP 301/302/303/307/308) before giving up.</summary>
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Port for <c>mms://</c> and <c>mmst://</c> URLs without one. An explicit URL port is used by every protocol.</summary>
    public int DefaultMmstPort { get; set; } = 1755;

    /// <summary>Port for MMSH when the URL has none (<c>mms://</c> rollover, <c>mmsh://</c>, <c>http://</c>).</summary>
    public int DefaultMmshPort { get; set; } = 80;

    /// <summary>Port for RTSP when the URL has none (<c>mms://</c> rollover, <c>rtsp://</c>, docs/protocol/rtsp.md#s1.2).</summary>
    public int DefaultRtspPort { get; set; } = 554;

    /// <summary>
    /// The WMP version announced in the RTSP User-Agent (<c>WMPlayer/9.0.0.2980 guid/…</c>, MS-RTSP 2.2.6.12,
    /// docs/protocol/rtsp.md#s2.2).
    /// </summary>
    public string RtspPlayerVersion { get; set; } = "9.0.0.2980";

    /// <summary>Local UDP port of RTSPU's RTP (RTCP on the next one); 0 = any free even pair (docs/protocol/rtsp.md#s2.3).</summary>
    public int RtspuLocalPort { get; set; }

    /// <summary>
    /// RTSPU: how long after PLAY the first RTP datagram may take; none by then fails the attempt as timed out so that
    /// rollover goes on to RTSP over TCP (docs/protocol/rtsp.md#s2.7). Also bounded by <see cref="HandshakeTimeout"/>.
    /// </summary>
    public TimeSpan RtspuDataTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>RTSPU: retransmission requests (RTCP NACK on the rtx stream) per lost RTP packet (docs/protocol/rtsp.md#s7).</summary>
    public int RtspuMaxNacks { get; set; } = 2;

    /// <summary>Send the optional FunnelInfo (0x18) after Connect as ffmpeg does (docs/protocol/mmst.md#s1.6.1); off like vlc.</summary>
    public bool SendFunnelInfo { get; set; }

    /// <summary>Local UDP port an MMSU session receives data on (docs/protocol/mmsu.md#s1.8.1); 0 = any free port.</summary>
    public int MmsuLocalPort { get; set; }

    /// <summary>
    /// The server's UDP port for MMSU resend requests (docs/protocol/mmsu.md#s1.8.7). Null: the port the server's datagrams come from,
    /// which is where Windows Media Services (UDP 1755) and our origin (<c>--udp-port</c>) take them.
    /// </summary>
    public int? MmsuResendPort { get; set; }

    /// <summary>
    /// How long to wait for the header pieces over UDP before CancelReadBlock and a new ReadBlock (at most 4 tries).
    /// Null: MS-MMSP's header timer, 1 s + header size / bitrate, within 1–30 s (docs/protocol/mmsu.md#s1.8.5). When no UDP datagram
    /// arrives at all, the session falls back to TCP data (a new connection with a TCP funnel).
    /// </summary>
    public TimeSpan? MmsuHeaderTimeout { get; set; }

    /// <summary>How long a missing MMSU packet waits before it is asked for (half of it) and asked for again.</summary>
    public TimeSpan MmsuResendInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Resend requests per missing MMSU packet before it is given up (counted as lost).</summary>
    public int MmsuMaxResends { get; set; } = 4;

    /// <summary>
    /// NSC station: how long to wait for a multicast packet or beacon before the station's Unicast URL is tried
    /// (the Open timer of docs/protocol/nsc.md#s7.3: 10–30 s, 20 recommended).
    /// </summary>
    public TimeSpan MulticastOpenTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Resolve playlists: a playlist URL (.asx, .wax, .wvx, .nsc, a local file) and an HTTP answer that is a metafile
    /// instead of MMSH framing (docs/protocol/asx.md#s6); and read a plain ASF file that a web server sends instead of MMSH as a
    /// download. False: such answers fail (<see cref="MmsClientErrorKind.Playlist"/> with the content, or
    /// <see cref="MmsClientErrorKind.NotMmsServer"/>), for a caller that handles them itself.
    /// </summary>
    public bool FollowPlaylists { get; set; } = true;

    /// <summary>Largest playlist document (ASX, <c>[Reference]</c>, NSC) fetched: 1 MiB.</summary>
    public int MaxPlaylistSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Limits on playlist resolution (ENTRYREF depth, entries, documents fetched); the document size limit is
    /// <see cref="MaxPlaylistSize"/>.
    /// </summary>
    public PlaylistResolverOptions PlaylistLimits { get; set; } = PlaylistResolverOptions.Default;

    /// <summary>
    /// Which endpoints may be reached (null: any). Asked about every URL and every resolved address of every hop:
    /// the first URL, playlists and their entries, redirects, NSC stations. With a policy, a local file (a
    /// <c>file://</c> URL or an entry naming one) is opened only if the policy allows its URL.
    /// </summary>
    public IMmsEndpointPolicy? EndpointPolicy { get; set; }

    /// <summary>Tests only: the UDP port named in the funnel instead of the bound one (to make UDP unreachable).</summary>
    internal int? MmsuAdvertisedPort { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive, finite time.");
        }

        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(HandshakeTimeout, nameof(HandshakeTimeout));
        Positive(ReadTimeout, nameof(ReadTimeout));
        if (ReceiveBatchWindow < TimeSpan.Zero || ReceiveBatchWindow > TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(ReceiveBatchWindow), ReceiveBatchWindow, "ReceiveBatchWindow must be between 0 and 1 s.");
        ArgumentNullException.ThrowIfNull(RolloverOrder, nameof(RolloverOrder));
        if (RolloverOrder.Count == 0)
            throw new ArgumentException("RolloverOrder must name at least one protocol.", nameof(RolloverOrder));
        if (RolloverOrder.Contains(MmsProtocol.Multicast) || RolloverOrder.Contains(MmsProtocol.Download))
            throw new ArgumentException("RolloverOrder names only Rtspt, Rtspu, Mmst, Mmsh and Mmsu.", nameof(RolloverOrder));
        ArgumentException.ThrowIfNullOrWhiteSpace(PlayerVersion, nameof(PlayerVersion));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (MaxHeaderSize < 128 || MaxHeaderSize > AsfHeaderReader.MaxHeaderSize)
            throw new ArgumentOutOfRangeException(nameof(MaxHeaderSize), MaxHeaderSize,
                $"MaxHeaderSize must be between 128 and {AsfHeaderReader.MaxHeaderSize}.");
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRedirects);
        if (StartPosition is { } start && (start < TimeSpan.Zero || start.TotalMilliseconds >= uint.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(StartPosition), start, "StartPosition must be 0 or more.");
        if (DefaultMmstPort is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(DefaultMmstPort));
        if (DefaultMmshPort is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(DefaultMmshPort));
        if (DefaultRtspPort is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(DefaultRtspPort));
        ArgumentException.ThrowIfNullOrWhiteSpace(RtspPlayerVersion, nameof(RtspPlayerVersion));
        if (RtspuLocalPort is < 0 or > 65534) throw new ArgumentOutOfRangeException(nameof(RtspuLocalPort));
        Positive(RtspuDataTimeout, nameof(RtspuDataTimeout));
        ArgumentOutOfRangeException.ThrowIfNegative(RtspuMaxNacks, nameof(RtspuMaxNacks));
        if (MmsuLocalPort is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(MmsuLocalPort));
        if (MmsuResendPort is <= 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(MmsuResendPort));
        if (MmsuHeaderTimeout is { } header) Positive(header, nameof(MmsuHeaderTimeout));
        Positive(MmsuResendInterval, nameof(MmsuResendInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MmsuMaxResends, 1, nameof(MmsuMaxResends));
        Positive(MulticastOpenTimeout, nameof(MulticastOpenTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPlaylistSize, 4096, nameof(MaxPlaylistSize));
        ArgumentNullException.ThrowIfNull(PlaylistLimits, nameof(PlaylistLimits));
        PlaylistLimits.Validate();
    }
}
