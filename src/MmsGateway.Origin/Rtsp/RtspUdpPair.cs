using System.Net;
using System.Net.Sockets;

namespace MmsGateway.Origin.Rtsp;

/// <summary>
/// A server UDP port pair for one RTSP session: RTP on an even port, RTCP on the next (RFC 3550 11), named in the
/// SETUP answer's <c>server_port=S-S+1</c> (docs/protocol/rtsp.md#s2.3). Clients send punch packets and receiver
/// reports to them; the rtx pair also receives NACKs (docs/protocol/rtsp.md#s7.1).
/// </summary>
internal sealed class RtspUdpPair : IDisposable
{
    private const int Attempts = 64;

    private RtspUdpPair(Socket rtp, Socket rtcp)
    {
        Rtp = rtp;
        Rtcp = rtcp;
    }

    public Socket Rtp { get; }
    public Socket Rtcp { get; }
    public int RtpPort => ((IPEndPoint)Rtp.LocalEndPoint!).Port;

    /// <summary>Binds an even/odd pair of free ports on <paramref name="address"/>.</summary>
    public static RtspUdpPair Open(IPAddress address)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var rtp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            Socket? rtcp = null;
            try
            {
                rtp.Bind(new IPEndPoint(address, 0));
                var port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
                if (port % 2 != 0 || port == IPEndPoint.MaxPort) throw new SocketException((int)SocketError.AddressAlreadyInUse);
                rtcp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                rtcp.Bind(new IPEndPoint(address, port + 1));
                // Full-rate bursts of a whole file: give the kernel room (the default is far below one second of video).
                rtp.SendBufferSize = 1 << 20;
                return new RtspUdpPair(rtp, rtcp);
            }
            catch (SocketException) when (attempt < Attempts - 1)
            {
                rtp.Dispose();
                rtcp?.Dispose();
            }
            catch
            {
                rtp.Dispose();
                rtcp?.Dispose();
                throw;
            }
        }
        throw new SocketException((int)SocketError.AddressAlreadyInUse);
    }

    public void Dispose()
    {
        Rtp.Dispose();
        Rtcp.Dispose();
    }
}
