using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>The MMSH client against VLC serving a multi-bitrate and an audio-only file.</summary>
public sealed class VlcMediaKindsTests
{
    [Theory]
    [InlineData("mbr", 3, 1)]
    [InlineData("audio", 0, 1)]
    public async Task Vlc_serves_every_stream_and_its_packets_parse(string kind, int videoStreams, int audioStreams)
    {
        string input = kind == "mbr" ? await GeneratedMedia.MultiBitrateAsync() : await GeneratedMedia.AudioOnlyAsync();
        await using VlcMmshServer vlc = await VlcMmshServer.StartAsync(input);
        var options = new MmsClientOptions { HandshakeTimeout = TimeSpan.FromSeconds(8), ReadTimeout = TimeSpan.FromSeconds(8) };
        await using IMmsSession session =
            (await MmsConnector.ConnectAsync(vlc.Url, options, null, CancellationToken.None)).Session;

        Assert.Equal(videoStreams, session.Header.Streams.Count(s => s.Type == AsfStreamType.Video));
        Assert.Equal(audioStreams, session.Header.Streams.Count(s => s.Type == AsfStreamType.Audio));
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var seen = AsfStreamSet.None;
        for (int i = 0; i < 40; i++)
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
