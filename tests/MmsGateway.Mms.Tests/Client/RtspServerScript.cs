using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>One request the scripted RTSP server read.</summary>
internal sealed record RtspSeen(RtspMessageHead Head, byte[] Body)
{
    public string Method => Head.Method;

    public string? this[string name] => Head.Headers[name];

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// How the scripted WMS-like server behaves (docs/protocol/rtsp.md#s2.8 answers by default); each knob breaks one thing
/// for the bad-input tests.
/// </summary>
internal sealed record WmsBehaviour
{
    public bool Live { get; init; }

    /// <summary>Replaces the DESCRIBE body (broken or missing pgmpu, oversize SDP).</summary>
    public string? Sdp { get; init; }

    /// <summary>Answer nothing to this method (the client must time out).</summary>
    public string? Silent { get; init; }

    /// <summary>Answer DESCRIBE with this status instead (404, 302 ...), with these extra headers.</summary>
    public int? DescribeStatus { get; init; }

    public string? Location { get; init; }

    /// <summary>Ask for credentials (Digest and Basic) and verify them.</summary>
    public RtspServerAuthenticator? Authenticator { get; init; }

    /// <summary>Extra bytes sent right after the PLAY answer (unknown channels, a lying frame ...).</summary>
    public Func<byte[]>? BeforeData { get; init; }

    /// <summary>Packets (by index) sent before the end; null: all.</summary>
    public int? PacketLimit { get; init; }

    /// <summary>Over UDP: packet indexes whose RTP is not sent (loss).</summary>
    public IReadOnlySet<int> DropOverUdp { get; init; } = new HashSet<int>();

    /// <summary>Over UDP: first a datagram to the client's RTP port from another address (127.0.0.2).</summary>
    public bool ForeignDatagram { get; init; }

    /// <summary>Over UDP: send nothing at all (a firewall), so the client falls back to TCP.</summary>
    public bool NoUdp { get; init; }

    /// <summary>Keep the session open after the packets instead of ending it (for seek and switch tests).</summary>
    public bool HoldAfterData { get; init; }

    /// <summary>Runs after the packets instead of the end-of-stream request (gets the RTP channel of the carrier).</summary>
    public Func<ScriptedPeer, byte, Task>? AfterData { get; init; }

    /// <summary>Close the connection once <see cref="AfterData"/> is done.</summary>
    public bool CloseAfterData { get; init; }

    /// <summary>The <c>timeout=</c> of the Session header.</summary>
    public int SessionTimeout { get; init; } = 60;
}

/// <summary>
/// A WMS-like RTSP server run by a <see cref="ScriptedServer"/> script (docs/protocol/rtsp.md#s2.8): OPTIONS, DESCRIBE
/// with the codec's WMS SDP, SETUP echoing the transport, PLAY, the packets as RTP (interleaved, or over UDP to the
/// client's port), the end-of-stream SET_PARAMETER and RTCP BYE; it records every request it read.
/// </summary>
internal sealed class ScriptedWms(TestMedia media, WmsBehaviour behaviour)
{
    public const string SessionId = "12345678901234567890";
    public const string GenId = "27006";

    public ConcurrentQueue<RtspSeen> Requests { get; } = new();

    /// <summary>NACK packets the server's rtx port received.</summary>
    public int NacksReceived;

    /// <summary>Answers the client's response to the end-of-stream request carried.</summary>
    public int? EndOfStreamAnswer { get; private set; }

    public static async Task<RtspSeen> ReadAsync(ScriptedPeer peer)
    {
        string head = await peer.ReadHttpHeadAsync();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)));
        Assert.True(RtspHeadParser.TryParse(ref reader, RtspLimits.Default, out RtspMessageHead? parsed));
        byte[] body = parsed.ContentLength > 0 ? await peer.ReadExactAsync(parsed.ContentLength) : [];
        return new RtspSeen(parsed, body);
    }

    public static byte[] Response(int status, int? cseq, RtspHeaders? headers = null, string? body = null)
    {
        var fields = new RtspHeaders();
        if (cseq is int c) fields.Add("CSeq", c.ToString(CultureInfo.InvariantCulture));
        if (headers is not null) foreach (var f in headers) fields.Add(f.Key, f.Value);
        var buffer = new ArrayBufferWriter<byte>();
        RtspHeadWriter.WriteResponse(buffer, status, null, fields, body is null ? default : Encoding.UTF8.GetBytes(body));
        return buffer.WrittenSpan.ToArray();
    }

    public string DefaultSdp(string url) => WmsSdpWriter.Write(new WmsSdpOptions
    {
        AsfHeader = media.Header,
        ControlUrl = url,
        Live = behaviour.Live,
        SessionId = "1",
    });

    /// <summary>Runs the session; a client that closes (or a server that stops) simply ends it.</summary>
    public async Task RunAsync(ScriptedPeer peer)
    {
        try
        {
            await RunSessionAsync(peer);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private async Task RunSessionAsync(ScriptedPeer peer)
    {
        UdpClient? udp = null;
        UdpClient? rtx = null;
        Task? rtxLoop = null;
        IPEndPoint? clientRtp = null;
        byte rtpChannel = 0;
        string url = "rtsp://127.0.0.1/";
        try
        {
            while (true)
            {
                RtspSeen request;
                try
                {
                    request = await ReadAsync(peer);
                }
                catch (Exception e) when (e is EndOfStreamException or OperationCanceledException or SocketException or IOException)
                {
                    return;
                }

                Requests.Enqueue(request);
                int? cseq = request.Head.CSeq;
                if (request.Head.Kind == RtspMessageKind.Response)
                {
                    EndOfStreamAnswer = request.Head.StatusCode;
                    continue;
                }

                if (behaviour.Silent == request.Method)
                {
                    await peer.HoldAsync(TimeSpan.FromSeconds(20));
                    return;
                }

                if (behaviour.Authenticator is { } auth && request.Method != RtspMethods.Options
                    && auth.Verify(request["Authorization"], request.Method, out _) != RtspAuthResult.Accepted)
                {
                    var challenge = new RtspHeaders();
                    foreach (string c in auth.Challenges()) challenge.Add("WWW-Authenticate", c);
                    await peer.SendAsync(Response(401, cseq, challenge));
                    continue;
                }

                switch (request.Method)
                {
                    case RtspMethods.Options:
                        await peer.SendAsync(Response(200, cseq, new RtspHeaders()
                            .Add("Server", "WMServer/9.0.0.3372")
                            .Add("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER")));
                        break;
                    case RtspMethods.Describe:
                        url = request.Head.Uri;
                        if (behaviour.DescribeStatus is int status)
                        {
                            var extra = new RtspHeaders();
                            if (behaviour.Location is { } location) extra.Add("Location", location);
                            await peer.SendAsync(Response(status, cseq, extra));
                            break;
                        }

                        await peer.SendAsync(Response(200, cseq, new RtspHeaders()
                            .Add("Content-Type", "application/sdp")
                            .Add("X-Playlist-Gen-Id", GenId)
                            .Add("X-Broadcast-Id", behaviour.Live ? "1" : "0")
                            .Add("Server", "WMServer/9.0.0.3372")
                            .Add("Supported", "com.microsoft.wm.eosmsg"), behaviour.Sdp ?? DefaultSdp(url)));
                        break;
                    case RtspMethods.Setup:
                        RtspTransport transport = RtspTransport.Parse(request["Transport"]!);
                        RtspTransport answer;
                        if (transport.Lower == RtspLowerTransport.Udp)
                        {
                            bool isRtx = request.Head.Uri.EndsWith("/rtx", StringComparison.Ordinal);
                            if (isRtx)
                            {
                                rtx ??= new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
                                rtxLoop ??= CountNacksAsync(rtx);
                            }
                            else
                            {
                                udp ??= new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
                                clientRtp = new IPEndPoint(IPAddress.Loopback, transport.ClientPort!.Value.First);
                            }

                            int serverPort = ((IPEndPoint)(isRtx ? rtx! : udp!).Client.LocalEndPoint!).Port;
                            answer = transport with { ServerPort = new RtspPortPair(serverPort, serverPort + 1), Ssrc = 0x1A2B3C4D };
                        }
                        else
                        {
                            if (Requests.Count(r => r.Method == RtspMethods.Setup) == 1) rtpChannel = (byte)transport.Interleaved!.Value.First;
                            answer = transport;
                        }

                        await peer.SendAsync(Response(200, cseq, new RtspHeaders()
                            .Add("Session", SessionId + ";timeout=" + behaviour.SessionTimeout.ToString(CultureInfo.InvariantCulture))
                            .Add("Transport", answer.Format())));
                        break;
                    case RtspMethods.Play:
                        await peer.SendAsync(Response(200, cseq, new RtspHeaders()
                            .Add("Session", SessionId)
                            .Add("Range", request["Range"] ?? "npt=0.000-")));
                        if (behaviour.BeforeData is { } extraBytes) await peer.SendAsync(extraBytes());
                        int first = PlayStart(request["Range"]);
                        if (udp is not null && clientRtp is not null)
                        {
                            if (!behaviour.NoUdp) await SendUdpAsync(udp, clientRtp, first);
                        }
                        else
                        {
                            await peer.SendAsync(Interleaved(rtpChannel, first));
                        }

                        if (behaviour.AfterData is { } after)
                        {
                            await after(peer, rtpChannel);
                            if (behaviour.CloseAfterData) return;
                            break;
                        }

                        if (behaviour.HoldAfterData) break;
                        string eosBody = $"Session: {SessionId}\r\nEOF: true\r\n";
                        var eos = new ArrayBufferWriter<byte>();
                        RtspHeadWriter.WriteRequest(eos, RtspMethods.SetParameter, url, new RtspHeaders()
                            .Add("CSeq", "1")
                            .Add("Content-Type", WmsEndOfStream.ContentType)
                            .Add("X-Notice", RtspNotice.EndOfStream.Format())
                            .Add("Session", SessionId), Encoding.ASCII.GetBytes(eosBody));
                        await peer.SendAsync(eos.WrittenSpan.ToArray());
                        break;
                    case RtspMethods.Pause:
                    case RtspMethods.GetParameter:
                    case RtspMethods.SetParameter:
                        await peer.SendAsync(Response(200, cseq, new RtspHeaders().Add("Session", SessionId)));
                        break;
                    case RtspMethods.Teardown:
                        await peer.SendAsync(Response(200, cseq, new RtspHeaders().Add("Session", SessionId)));
                        return;
                    default:
                        await peer.SendAsync(Response(501, cseq));
                        break;
                }
            }
        }
        finally
        {
            udp?.Dispose();
            rtx?.Dispose();
            if (rtxLoop is not null) await Task.WhenAny(rtxLoop, Task.Delay(100));
        }
    }

    /// <summary>The packet index a PLAY range starts at (npt includes the preroll, docs/protocol/rtsp.md#s3.3).</summary>
    private int PlayStart(string? range)
    {
        if (range is null || !RtspNptRange.TryParse(range, out RtspNptRange npt) || npt.StartSeconds is not double start) return 0;
        var header = Asf.AsfHeaderReader.Parse(media.Header);
        double contentMs = (start * 1000) - header.FileProperties.PrerollMs;
        for (int i = 0; i < media.Packets.Count; i++)
        {
            if (AsfRtpPacketizer.Describe(media.Packets[i], media.PacketSize).SendTime >= contentMs) return i;
        }

        return media.Packets.Count;
    }

    private int Limit => behaviour.PacketLimit ?? media.Packets.Count;

    /// <summary>Every packet of <paramref name="packets"/> as interleaved RTP on <paramref name="channel"/>.</summary>
    public static byte[] Interleaved(IReadOnlyList<byte[]> packets, int packetSize, byte channel, ushort firstSequence)
    {
        var packetizer = new AsfRtpPacketizer(0x1A2B3C4D, firstSequence);
        var all = new List<byte>();
        byte[] buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packetSize, AsfRtpPacketizer.MaxTcpRtpPayload) + 64];
        foreach (byte[] packet in packets)
        {
            (uint sendTime, bool key) = AsfRtpPacketizer.Describe(packet, packetSize);
            int n = packetizer.PacketizeInterleaved(packet, sendTime, key, channel, buffer);
            all.AddRange(buffer.AsSpan(0, n));
        }

        return [.. all];
    }

    /// <summary>A server request head (+ body) as bytes.</summary>
    public static byte[] Request(string method, string url, RtspHeaders headers, string? body = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RtspHeadWriter.WriteRequest(buffer, method, url, headers, body is null ? default : Encoding.UTF8.GetBytes(body));
        return buffer.WrittenSpan.ToArray();
    }

    private byte[] Interleaved(byte channel, int first)
    {
        var packetizer = new AsfRtpPacketizer(0x1A2B3C4D, 4711);
        var all = new List<byte>();
        byte[] buffer = new byte[AsfRtpPacketizer.MaxOutputSize(media.PacketSize, AsfRtpPacketizer.MaxTcpRtpPayload) + 64];
        for (int i = first; i < Limit; i++)
        {
            (uint sendTime, bool key) = AsfRtpPacketizer.Describe(media.Packets[i], media.PacketSize);
            int n = packetizer.PacketizeInterleaved(media.Packets[i], sendTime, key, channel, buffer);
            all.AddRange(buffer.AsSpan(0, n));
        }

        return [.. all];
    }

    private async Task SendUdpAsync(UdpClient udp, IPEndPoint client, int first)
    {
        if (behaviour.ForeignDatagram)
        {
            using var stranger = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            byte[] fake = [0x80, 0xE0, 0x12, 0x67, 0, 0, 0, 0, 0x1A, 0x2B, 0x3C, 0x4D, 0xC0, 0, 0, 8, 1, 2, 3, 4];
            await stranger.SendAsync(fake, client);
        }

        var packetizer = new AsfRtpPacketizer(0x1A2B3C4D, 4711, maxRtpPayload: 1400);
        byte[] buffer = new byte[AsfRtpPacketizer.MaxOutputSize(media.PacketSize, 1400) + 64];
        int[] lengths = new int[64];
        for (int i = first; i < Limit; i++)
        {
            (uint sendTime, bool key) = AsfRtpPacketizer.Describe(media.Packets[i], media.PacketSize);
            int count = packetizer.Packetize(media.Packets[i], sendTime, key, buffer, lengths);
            int offset = 0;
            for (int k = 0; k < count; k++)
            {
                if (!behaviour.DropOverUdp.Contains(i)) await udp.SendAsync(buffer.AsMemory(offset, lengths[k]), client);
                offset += lengths[k];
            }

            await Task.Delay(2);
        }

        await Task.Delay(50);
        byte[] bye = [0x81, 0xCB, 0x00, 0x01, 0x1A, 0x2B, 0x3C, 0x4D];
        await udp.SendAsync(bye, new IPEndPoint(client.Address, client.Port + 1));
    }

    private async Task CountNacksAsync(UdpClient rtx)
    {
        // NACKs come to the server's rtx RTCP port (server_port + 1) or its rtx port: listen on the one bound.
        try
        {
            while (true)
            {
                UdpReceiveResult received = await rtx.ReceiveAsync();
                if (received.Buffer.Length >= 12 && received.Buffer[1] == 205) Interlocked.Increment(ref NacksReceived);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }
}
