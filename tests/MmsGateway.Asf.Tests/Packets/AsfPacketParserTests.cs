using MmsGateway.Asf.Packets;
using MmsGateway.Testing;

namespace MmsGateway.Asf.Tests.Packets;

public class AsfPacketParserTests
{
    [Fact]
    public void Every_length_type_combination_parses_back_to_what_was_written()
    {
        var random = new Random(20261122);
        var cases = 0;
        foreach (var packetLengthType in new[] { 0, 2, 3 })
        foreach (var sequenceType in new[] { 0, 1, 2, 3 })
        foreach (var paddingType in new[] { 1, 2, 3 })
        foreach (var replicatedType in new[] { 1, 2, 3 })
        foreach (var offsetType in new[] { 0, 1, 2, 3 })
        foreach (var objectType in new[] { 0, 1, 2, 3 })
        foreach (var multiple in new[] { false, true })
        {
            var shape = new PacketShape
            {
                ErrorCorrection = random.Next(2) == 0,
                PacketLengthType = packetLengthType,
                SequenceType = sequenceType,
                PaddingLengthType = paddingType,
                ReplicatedLengthType = replicatedType,
                OffsetLengthType = offsetType,
                MediaObjectLengthType = objectType,
                Multiple = multiple,
                PayloadLengthType = random.Next(1, 4),
                Sequence = sequenceType == 0 ? 0 : (uint)random.Next(0, 200),
                SendTime = (uint)random.Next(),
                Duration = (ushort)random.Next(0, 65536),
            };
            var count = multiple ? random.Next(1, 5) : 1;
            var specs = Enumerable.Range(0, count).Select(i => new PayloadSpec(
                Stream: random.Next(1, 128),
                Key: random.Next(2) == 0,
                MediaObject: objectType == 0 ? 0 : (uint)random.Next(0, 250),
                Offset: offsetType == 0 ? 0 : (uint)random.Next(0, 250),
                Replicated: TestPackets.Replicated((uint)random.Next(1, 100_000), (uint)random.Next()),
                Data: TestPackets.Data(random.Next(1, 80), (byte)i))).ToArray();

            var packet = TestPackets.Build(shape, random.Next(0, 256), specs);
            var packetSize = packet.Length;
            var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
            var parsed = AsfPacketParser.Parse(packet, packetSize, payloads);

            Assert.Equal(shape.SendTime, parsed.SendTime);
            Assert.Equal(shape.Duration, parsed.Duration);
            Assert.Equal(shape.Sequence, parsed.Sequence);
            Assert.Equal(packetSize, parsed.PacketLength);
            Assert.Equal(count, parsed.PayloadCount);
            for (var i = 0; i < count; i++)
            {
                var p = payloads[i];
                Assert.Equal(specs[i].Stream, p.StreamNumber);
                Assert.Equal(specs[i].Key, p.IsKeyFrame);
                Assert.Equal(specs[i].MediaObject, p.MediaObjectNumber);
                Assert.Equal(specs[i].Offset, p.OffsetIntoMediaObject);
                Assert.Equal(specs[i].Replicated.AsSpan(4, 4).ToArray(), BitConverter.GetBytes(p.PresentationTime));
                Assert.Equal(specs[i].Data, packet.AsSpan(p.DataOffset, p.DataLength).ToArray());
            }
            cases++;
        }
        Assert.Equal(3 * 4 * 3 * 3 * 4 * 4 * 2, cases);
    }

    [Fact]
    public void Compressed_payload_yields_its_sub_payloads_with_times()
    {
        byte[] data = [3, 1, 2, 3, 2, 9, 9, 1, 7];
        var spec = new PayloadSpec(2, true, 10, 5000, [40], data);
        var packet = TestPackets.Build(new PacketShape { OffsetLengthType = 3 }, 20, spec);
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        AsfPacketParser.Parse(packet, packet.Length, payloads);
        var p = payloads[0];
        Assert.True(p.IsCompressed);
        Assert.Equal(5000u, p.PresentationTime);
        var subs = new List<(int, int, uint)>();
        foreach (var sub in new AsfCompressedPayloadEnumerator(packet, p)) subs.Add(sub);
        Assert.Equal([(1, 3, 5000u), (5, 2, 5040u), (8, 1, 5080u)], subs);
    }

    [Fact]
    public void Compressed_payload_with_a_lying_sub_length_is_a_format_error()
    {
        var spec = new PayloadSpec(2, true, 10, 5000, [40], [3, 1, 2, 3, 200, 1]);
        var packet = TestPackets.Build(new PacketShape(), 20, spec);
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        AsfPacketParser.Parse(packet, packet.Length, payloads);
        Assert.Throws<AsfFormatException>(() =>
        {
            foreach (var _ in new AsfCompressedPayloadEnumerator(packet, payloads[0])) { }
        });
    }

    // Layout of the packet below: 82 00 00 | LTF | PF | padding u8 @5 | send u32 | duration u16 |
    // payload flags @12 | stream | replicated length | replicated data (8) | payload length u8 @23 | data.
    [Theory]
    [InlineData(5, 0xF0, "padding length")]
    [InlineData(23, 0xFF, "payload length")]
    [InlineData(12, 0x80 | 9, "Data Packet")]
    public void Lying_length_fields_are_format_errors(int field, byte value, string problem)
    {
        var spec = new PayloadSpec(1, false, 0, 0, TestPackets.Replicated(10, 0), TestPackets.Data(10, 0));
        var shape = new PacketShape { Multiple = true, PayloadLengthType = 1, OffsetLengthType = 0, MediaObjectLengthType = 0 };
        var packet = TestPackets.Build(shape, 50, spec);
        packet[field] = value;
        var error = Assert.Throws<AsfFormatException>(() => AsfPacketParser.Parse(packet, packet.Length, new AsfPayload[AsfPacketParser.MaxPayloads]));
        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Payload_headers_past_the_padding_boundary_are_a_format_error()
    {
        // Found by the mutation test: a Padding Length that cuts into the second payload's header.
        var shape = new PacketShape { Multiple = true, PayloadLengthType = 1, PaddingLengthType = 1 };
        var first = new PayloadSpec(1, false, 0, 0, TestPackets.Replicated(10, 0), TestPackets.Data(10, 1));
        var second = new PayloadSpec(2, false, 0, 0, TestPackets.Replicated(10, 0), TestPackets.Data(10, 2));
        var packet = TestPackets.Build(shape, 0, first, second);
        var secondStart = packet.Length - (1 + 1 + 4 + 1 + 8 + 1 + 10);
        packet[5] = (byte)(packet.Length - secondStart - 3); // the payload area now ends 3 bytes into the second header
        var error = Assert.Throws<AsfFormatException>(() => AsfPacketParser.Parse(packet, packet.Length, new AsfPayload[AsfPacketParser.MaxPayloads]));
        Assert.Equal("Data Packet", error.ObjectName);
    }

    [SharedMediaFact]
    public void Elephant_compressed_and_multiple_payloads_are_all_read()
    {
        var bytes = File.ReadAllBytes(SharedMedia.Path("asf", "mm_elephant.asf"));
        var header = AsfHeaderReader.Parse(bytes);
        var packetSize = header.PacketSize;
        var start = header.Raw.Length + AsfDataObjectHeader.Size;
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        int packets = 0, multiple = 0, compressed = 0, subPayloads = 0;
        for (var offset = start; offset + packetSize <= start + 150 * packetSize; offset += packetSize)
        {
            var packet = bytes.AsSpan(offset, packetSize);
            var parsed = AsfPacketParser.Parse(packet, packetSize, payloads);
            packets++;
            if (parsed.HasMultiplePayloads) multiple++;
            foreach (var p in payloads[..parsed.PayloadCount])
            {
                if (!p.IsCompressed) continue;
                compressed++;
                foreach (var _ in new AsfCompressedPayloadEnumerator(packet, p)) subPayloads++;
            }
        }
        // MANIFEST.md: 150 packets, 134 with multiple payloads, 115 compressed payloads.
        Assert.Equal(150, packets);
        Assert.Equal(134, multiple);
        Assert.Equal(115, compressed);
        Assert.True(subPayloads > compressed);
    }
}
