using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Mmst;
using MmsGateway.Mms.Tests.Mmst;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// The MMST client against a scripted server that replays the server side of the golden session of docs/protocol/mmst.md#s1.9
/// byte for byte, and checks every client packet against the trace (a protocol unit test, not interop).
/// </summary>
public sealed class MmstGoldenSessionTests
{
    /// <summary>The GUID and player version of the trace's subscriber name.</summary>
    internal static MmsClientOptions GoldenOptions() => new()
    {
        ClientGuid = Guid.Parse("c77e7400-738a-11d2-9add-0020af0a3278"),
        PlayerVersion = "7.0.0.1956",
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
    };

    [SharedMediaFact]
    public async Task Client_sends_the_golden_trace_and_reads_header_packets_ping_and_end()
    {
        var media = TestMedia.Wine();
        byte[] header = media.HeaderPaddedTo(5000); // the trace's fileHeaderSize, sent as 4000 + 1000 bytes
        await using var server = new ScriptedServer(async (peer, _) =>
        {
            byte[] connect = await peer.ReadMmstCommandAsync();
            Assert.Equal(208, connect.Length);
            Assert.Equal(Hex.Parse(GoldenTrace.ConnectPrefix), connect[..64]);
            Assert.Equal(MmstMessageWriter.ToArray(ConnectMessage.Create(GoldenTrace.ConnectSubscriber), 0), connect);
            await peer.SendAsync(Hex.Parse(GoldenTrace.ReportConnectedEx));

            // The funnel names the client's own address and port (docs/protocol/mmst.md#s1.5.4); the trace's is another machine's.
            byte[] funnel = await peer.ReadMmstCommandAsync();
            var expectedFunnel = ConnectFunnelMessage.Create(
                new MmstFunnelName(MmstFunnelTransport.Tcp, "127.0.0.1", peer.Remote.Port));
            Assert.Equal(MmstMessageWriter.ToArray(expectedFunnel, 1), funnel);
            Assert.Equal(Hex.Parse(GoldenTrace.ConnectFunnel)[36..60], funnel[36..60]);
            await peer.SendAsync(Hex.Parse(GoldenTrace.ReportConnectedFunnel));

            Assert.Equal(Hex.Parse(GoldenTrace.OpenFile), await peer.ReadMmstCommandAsync());
            await peer.SendAsync(Hex.Parse(GoldenTrace.ReportOpenFile));

            Assert.Equal(Hex.Parse(GoldenTrace.ReadBlock), await peer.ReadMmstCommandAsync());
            await peer.SendAsync(Hex.Parse(GoldenTrace.ReportReadBlock));
            await peer.SendAsync(Hex.Parse(GoldenTrace.HeaderPiece0), header[..4000]);
            await peer.SendAsync(Hex.Parse(GoldenTrace.HeaderPiece1), header[4000..]);

            Assert.Equal(Hex.Parse(GoldenTrace.StreamSwitch), await peer.ReadMmstCommandAsync());
            await peer.SendAsync(Hex.Parse(GoldenTrace.ReportStreamSwitch));

            Assert.Equal(Hex.Parse(GoldenTrace.StartPlaying), await peer.ReadMmstCommandAsync());
            await peer.SendAsync(Hex.Parse(GoldenTrace.ReportStartedPlaying));
            await peer.SendAsync(Hex.Parse(GoldenTrace.MediaPacket0), media.Packets[0]);
            await peer.SendAsync(Hex.Parse(GoldenTrace.MediaPacket1), media.Packets[1]);

            await peer.SendAsync(Hex.Parse(GoldenTrace.Ping));
            Assert.Equal(Hex.Parse(GoldenTrace.Pong), await peer.ReadMmstCommandAsync());
            await peer.SendAsync(Hex.Parse(GoldenTrace.ReportEndOfStream));

            Assert.Equal(Hex.Parse(GoldenTrace.CloseFile), await peer.ReadMmstCommandAsync());
            Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the client closes after CloseFile");
        });

        MmsConnectResult result = await MmsConnector.ConnectAsync(server.Url("mmst", "/test.wmv"), GoldenOptions(),
            null, CancellationToken.None);
        await using (IMmsSession session = result.Session)
        {
            Assert.Equal(MmsProtocol.Mmst, session.Protocol);
            Assert.Equal(server.Url("mmst", "/test.wmv"), session.Url);
            Assert.Equal(header, session.HeaderBytes.ToArray());
            Assert.Equal(AsfStreamSet.Of(1, 2), session.Header.AllStreams);
            Assert.Equal(AsfStreamSet.Of(1, 2), session.SelectedStreams);
            Assert.Equal(3200, session.Header.PacketSize);
            Assert.False(session.IsBroadcast); // attributes 0x01800000 (docs/protocol/mmst.md#s1.5.6)

            for (int i = 0; i < 2; i++)
            {
                MmsReadResult read = await session.ReadAsync(CancellationToken.None);
                Assert.Equal(MmsReadResultKind.Packet, read.Kind);
                Assert.Equal((uint)i, read.LocationId);
                Assert.Equal(media.Packets[i], read.Packet.ToArray());
            }

            Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
            Assert.Equal(MmsReadResultKind.EndOfStream, (await session.ReadAsync(CancellationToken.None)).Kind);
        }

        await server.VerifyAsync();
        MmsConnectAttempt attempt = Assert.Single(result.Attempts);
        Assert.Equal(MmsConnectOutcome.Connected, attempt.Outcome);
        Assert.Equal($"127.0.0.1:{server.Port}", attempt.Endpoint);
    }
}
