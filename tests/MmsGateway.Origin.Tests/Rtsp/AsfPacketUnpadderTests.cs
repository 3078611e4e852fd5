using MmsGateway.Asf;
using MmsGateway.Asf.Files;
using MmsGateway.Asf.Packets;
using MmsGateway.Origin.Rtsp;

namespace MmsGateway.Origin.Tests.Rtsp;

/// <summary>
/// The RTSP form of a data packet (no padding, explicit Packet Length: docs/protocol/asf.md#s4.9) carries exactly
/// the payloads of the original, for every packet of the generated files (single and multiple payloads, with and
/// without padding).
/// </summary>
public sealed class AsfPacketUnpadderTests(OriginHarness origin) : IClassFixture<OriginHarness>
{
    [Theory]
    [InlineData("single.wmv")]
    [InlineData("mbr.asf")]
    [InlineData("audio.wma")]
    public void Unpadded_packets_keep_every_payload_and_declare_their_length(string name)
    {
        using var file = AsfFile.Open(Path.Combine(origin.Root, name));
        var size = file.PacketSize;
        var packet = new byte[size];
        var unpadded = new byte[size + 8];
        var repadded = new byte[size];
        var before = new AsfPayload[AsfPacketParser.MaxPayloads];
        var after = new AsfPayload[AsfPacketParser.MaxPayloads];
        var rewritten = 0;
        for (long i = 0; i < file.PacketCount; i++)
        {
            file.ReadPacket(i, packet);
            var original = AsfPacketParser.Parse(packet, size, before);
            var length = AsfPacketUnpadder.Unpad(packet, size, unpadded);
            if (original.PaddingLength == 0)
            {
                Assert.Equal(0, length);
                continue;
            }
            rewritten++;
            Assert.Equal(original.PacketLength - original.PaddingLength - (original.PayloadAreaOffset - NewHeaderSize(original)), length);
            // What a receiver does with it: pad back to the packet size (ffmpeg, VLC, GStreamer all do).
            AsfPacketWriter.Repad(unpadded.AsSpan(0, length), size, repadded);
            var parsed = AsfPacketParser.Parse(repadded, size, after);
            Assert.Equal(length, parsed.PacketLength);
            Assert.Equal(original.SendTime, parsed.SendTime);
            Assert.Equal(original.PayloadCount, parsed.PayloadCount);
            for (var p = 0; p < original.PayloadCount; p++)
            {
                Assert.Equal(before[p].StreamNumber, after[p].StreamNumber);
                Assert.Equal(before[p].PresentationTime, after[p].PresentationTime);
                Assert.True(packet.AsSpan(before[p].DataOffset, before[p].DataLength).SequenceEqual(repadded.AsSpan(after[p].DataOffset, after[p].DataLength)), $"packet {i} payload {p}");
            }
        }
        Assert.True(rewritten > 0, $"{name}: no packet had padding");
    }

    // ECC, the two flag bytes, the WORD length, the sequence field, send time and duration.
    private static int NewHeaderSize(AsfPacket original) =>
        original.PayloadAreaOffset - FieldSize(original.PacketLengthType) - FieldSize(original.PaddingLengthType) + 2;

    private static int FieldSize(int type) => type switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
}
