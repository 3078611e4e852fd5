using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>The MMSH client against VLC serving a multi-bitrate and an audio-only file.</summary>
public sealed class VlcMediaKindsTests
{
    /// <summary>
    /// VLC drops its MMSH clients when a looped input restarts, so the inputs are long enough for the reads; audio-only
    /// comes in two 4096-byte packets a second, hence fewer packets.
    /// </summary>
    [Theory]
    [InlineData("mbr", 3, 1, 40)]
    [InlineData("audio", 0, 1, 6)]
    public async Task Vlc_serves_every_stream_and_its_packets_parse(string kind, int videoStreams, int audioStreams,
        int packets)
    {
        string input = kind == "mbr" ? await GeneratedMedia.MultiBitrateAsync(20) : await GeneratedMedia.AudioOnlyAsync(30);
        await using VlcMmshServer vlc = await VlcMmshServer.StartAsync(input);
        var options = new MmsClientOptions { HandshakeTimeout = TimeSpan.FromSeconds(8), ReadTimeout = TimeSpan.FromSeconds(8) };
        await using IMmsSession session =
            (await MmsConnector.ConnectAsync(vlc.Url, options, null, CancellationToken.None)).Session;

        Assert.Equal(videoStreams, session.Header.Streams.Count(s => s.Type == AsfStreamType.Video));
        Assert.Equal(audioStreams, session.Header.Streams.Count(s => s.Type == AsfStreamType.Audio));
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var seen = AsfStreamSet.None;
        for (int i = 0; i < packets; i++)
        {
            MmsReadResult read = await session.ReadAsync(CancellationToken.None);
            Assert.Equal(MmsReadResultKind.Packet, read.Kind);
            AsfPacket packet = AsfPacketParser.Parse(read.Packet.Span, session.Header.PacketSize, payloads);
            for (int p = 0; p < packet.PayloadCount; p++) seen = seen.With(payloads[p].StreamNumber);
        }

        Assert.Equal(AsfStreamSet.None, seen.Intersect(new AsfStreamSet(~session.Header.AllStreams.Mask)));
        Assert.False(seen.IsEmpty);
    }
}
