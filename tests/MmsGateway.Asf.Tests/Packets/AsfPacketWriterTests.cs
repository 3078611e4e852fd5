using MmsGateway.Asf.Packets;

namespace MmsGateway.Asf.Tests.Packets;

public class AsfPacketWriterTests
{
    private static readonly PacketShape Multi = new() { Multiple = true, PayloadLengthType = 2, PaddingLengthType = 1 };

    private static PayloadSpec Payload(int stream, bool key, byte seed, int length = 30) =>
        new(stream, key, seed, 0, TestPackets.Replicated((uint)length, 3100u + seed), TestPackets.Data(length, seed));

    private static AsfPayload[] Parse(byte[] packet, int packetSize, out AsfPacket header)
    {
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        header = AsfPacketParser.Parse(packet, packetSize, payloads);
        return payloads[..header.PayloadCount];
    }

    [Fact]
    public void Filter_removes_unselected_payloads_and_keeps_full_size()
    {
        var packet = TestPackets.Build(Multi, 10, Payload(1, false, 1), Payload(2, true, 2), Payload(3, true, 3), Payload(1, false, 4));
        var output = new byte[packet.Length];

        var result = AsfPacketWriter.Filter(packet, packet.Length, AsfStreamSet.Of(1, 3), AsfStreamSet.None, output);

        Assert.Equal(AsfPacketFilterResult.Rebuilt, result);
        var kept = Parse(output, packet.Length, out var header);
        Assert.Equal([1, 3, 1], kept.Select(p => p.StreamNumber));
        Assert.Equal([1, 3, 4], kept.Select(p => (int)output[p.DataOffset]));
        Assert.Equal(1234u, header.SendTime);
        Assert.Equal(packet.Length, header.PayloadEnd + header.PaddingLength);
        Assert.Equal(2, header.PaddingLengthType); // widened to a WORD (docs/protocol/selection.md#s5.2)
        Assert.All(output[header.PayloadEnd..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Filter_reports_unchanged_and_empty_packets()
    {
        var packet = TestPackets.Build(Multi, 10, Payload(1, false, 1), Payload(2, true, 2));
        var output = new byte[packet.Length];
        Assert.Equal(AsfPacketFilterResult.Unchanged, AsfPacketWriter.Filter(packet, packet.Length, AsfStreamSet.Of(1, 2), AsfStreamSet.None, output));
        Assert.Equal(AsfPacketFilterResult.Empty, AsfPacketWriter.Filter(packet, packet.Length, AsfStreamSet.Of(5), AsfStreamSet.None, output));

        var single = TestPackets.Build(new PacketShape(), 10, Payload(2, false, 1));
        Assert.Equal(AsfPacketFilterResult.Empty, AsfPacketWriter.Filter(single, single.Length, AsfStreamSet.Of(1), AsfStreamSet.None, output));
        Assert.Equal(AsfPacketFilterResult.Unchanged, AsfPacketWriter.Filter(single, single.Length, AsfStreamSet.Of(2), AsfStreamSet.None, output));
    }

    [Fact]
    public void Key_frames_only_drops_non_key_video_and_keeps_audio()
    {
        var packet = TestPackets.Build(Multi, 10, Payload(1, false, 1), Payload(2, false, 2), Payload(2, true, 3));
        var output = new byte[packet.Length];
        var result = AsfPacketWriter.Filter(packet, packet.Length, AsfStreamSet.Of(1, 2), AsfStreamSet.Of(2), output);
        Assert.Equal(AsfPacketFilterResult.Rebuilt, result);
        Assert.Equal([(1, false), (2, true)], Parse(output, packet.Length, out _).Select(p => (p.StreamNumber, p.IsKeyFrame)));
    }

    [Theory]
    [InlineData(0, 1)] // no Packet Length, BYTE padding: patched in place
    [InlineData(0, 0)] // no Packet Length, no padding field: one is inserted
    [InlineData(2, 1)] // explicit Packet Length
    public void Repad_restores_a_stripped_single_payload_packet(int packetLengthType, int paddingType)
    {
        var shape = new PacketShape { PacketLengthType = packetLengthType, PaddingLengthType = paddingType };
        var full = TestPackets.Build(shape, 0, Payload(2, true, 7, 100));
        var packetSize = full.Length + 40;
        // A server stripped the padding: the packet arrives 40 bytes short of the header's packet size (docs/protocol/asf.md#s4.9).
        var output = new byte[packetSize];

        Assert.Equal(packetSize, AsfPacketWriter.Repad(full, packetSize, output));

        var payload = Assert.Single(Parse(output, packetSize, out var header));
        Assert.Equal(TestPackets.Data(100, 7), output.AsSpan(payload.DataOffset, payload.DataLength).ToArray());
        Assert.Equal(packetSize, header.PayloadEnd + header.PaddingLength);
    }

    [Fact]
    public void Repad_of_a_multiple_payload_packet_keeps_every_payload()
    {
        var full = TestPackets.Build(Multi, 0, Payload(1, false, 1), Payload(2, true, 2));
        var output = new byte[full.Length + 25];
        AsfPacketWriter.Repad(full, output.Length, output);
        Assert.Equal([1, 2], Parse(output, output.Length, out var header).Select(p => (int)output[p.DataOffset]));
        Assert.Equal(25, header.PaddingLength);
    }

    [Fact]
    public void Repad_refuses_a_packet_longer_than_the_packet_size()
    {
        var full = TestPackets.Build(Multi, 0, Payload(1, false, 1));
        Assert.Throws<AsfFormatException>(() => AsfPacketWriter.Repad(full, full.Length - 1, new byte[full.Length]));
    }
}
