using System.Buffers.Binary;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Rtsp;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>
/// Real ASF packets through <see cref="AsfRtpPacketizer"/> and back through <see cref="AsfRtpDepacketizer"/>
/// (docs/protocol/rtsp.md#s4): whole, fragmented, several per RTP packet under both L readings, stripped of their
/// padding, and damaged (gaps, torn, lying lengths, bad offsets, oversize).
/// </summary>
public class AsfRtpRoundTripTests
{
    public static IEnumerable<object[]> Files() => RtspMedia.Files.Select(f => new object[] { f });

    [SharedMediaTheory]
    [MemberData(nameof(Files))]
    public void Whole_packets_come_back_byte_identical(string name)
    {
        var (_, packetSize, packets) = RtspMedia.Load(name);
        Assert.NotEmpty(packets);
        var packetizer = new AsfRtpPacketizer(0x1A2B3C4D, 65530);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        var buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packetSize, AsfRtpPacketizer.MaxTcpRtpPayload)];
        var lengths = new int[4];
        foreach (var packet in packets)
        {
            var (sendTime, key) = AsfRtpPacketizer.Describe(packet, packetSize);
            Assert.Equal(1, packetizer.Packetize(packet, sendTime, key, buffer, lengths));
            var rtp = buffer.AsSpan(0, lengths[0]);
            var header = RtpHeader.Parse(rtp);
            Assert.True(header.Marker);
            Assert.Equal(96, header.PayloadType);
            Assert.Equal(sendTime, header.Timestamp);
            var payloadHeader = AsfPayloadHeader.Parse(header.Payload(rtp));
            Assert.True(payloadHeader.HasLength);
            Assert.Equal(key, payloadHeader.IsKeyFrame);
            Assert.Equal(header.Payload(rtp).Length, payloadHeader.LengthOrOffset); // length counts the header (docs/protocol/rtsp.md#s4.3)
            depacketizer.Push(rtp);
            Assert.True(depacketizer.TryDequeue(out var rebuilt));
            Assert.Equal(packet, rebuilt.ToArray());
        }

        var stats = depacketizer.Statistics;
        Assert.Equal(packets.Length, stats.PacketsOut);
        Assert.Equal(0, stats.SequenceGaps); // the numbering wrapped past 65535 without a gap
        Assert.Equal(0, stats.TornPackets + stats.BadLengths + stats.BadOffsets + stats.OversizePackets);
    }

    [SharedMediaTheory]
    [MemberData(nameof(Files))]
    public void Fragmented_packets_come_back_byte_identical(string name)
    {
        var (_, packetSize, packets) = RtspMedia.Load(name);
        const int maxPayload = 400;
        var packetizer = new AsfRtpPacketizer(7, 1, maxRtpPayload: maxPayload);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        var buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packetSize, maxPayload)];
        var lengths = new int[packetSize / (maxPayload - 4) + 2];
        foreach (var packet in packets)
        {
            int count = packetizer.Packetize(packet, 1000, false, buffer, lengths);
            Assert.Equal((packetSize + maxPayload - 5) / (maxPayload - 4), count);
            int at = 0;
            int expectedOffset = 0;
            for (int i = 0; i < count; i++)
            {
                var rtp = buffer.AsSpan(at, lengths[i]);
                var header = RtpHeader.Parse(rtp);
                Assert.Equal(i == count - 1, header.Marker);
                var unit = AsfPayloadHeader.Parse(header.Payload(rtp));
                Assert.False(unit.HasLength);
                Assert.Equal(expectedOffset, unit.LengthOrOffset);
                expectedOffset += header.Payload(rtp).Length - unit.Size;
                Assert.True(lengths[i] <= RtpHeader.FixedSize + maxPayload);
                depacketizer.Push(rtp);
                Assert.Equal(i == count - 1 ? 1 : 0, depacketizer.Count);
                at += lengths[i];
            }

            Assert.True(depacketizer.TryDequeue(out var rebuilt));
            Assert.Equal(packet, rebuilt.ToArray());
        }

        Assert.Equal(packets.Length, depacketizer.Statistics.PacketsOut);
        Assert.Equal(0, depacketizer.Statistics.SequenceGaps);
    }

    [SharedMediaTheory]
    [InlineData("mm_elephant.asf", true)]
    [InlineData("mm_elephant.asf", false)]
    [InlineData("wine_wmvcore_test.wmv", true)]
    [InlineData("wine_wmvcore_test.wmv", false)]
    public void Several_whole_packets_per_rtp_packet_under_either_length_reading(string name, bool lengthIncludesHeader)
    {
        var (_, packetSize, packets) = RtspMedia.Load(name, 9);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        ushort sequence = 100;
        for (int first = 0; first < packets.Length; first += 3)
        {
            var group = packets.Skip(first).Take(3).ToArray();
            byte[] rtp = Rtp(sequence++, marker: true, [.. group.Select(p => Unit(AsfPayloadFlags.Length, lengthIncludesHeader ? p.Length + 4 : p.Length, p))]);
            depacketizer.Push(rtp);
            foreach (var packet in group)
            {
                Assert.True(depacketizer.TryDequeue(out var rebuilt));
                Assert.Equal(packet, rebuilt.ToArray());
            }

            Assert.False(depacketizer.TryDequeue(out _));
        }

        Assert.Equal(0, depacketizer.Statistics.BadLengths);
    }

    [SharedMediaTheory]
    [MemberData(nameof(Files))]
    public void Packets_sent_without_padding_are_padded_back_to_the_packet_size(string name)
    {
        var (_, packetSize, packets) = RtspMedia.Load(name);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        Span<AsfPayload> before = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        Span<AsfPayload> after = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        int stripped = 0;
        ushort sequence = 0;
        foreach (var packet in packets)
        {
            var header = AsfPacketParser.Parse(packet, packetSize, before);
            byte[] sent = Strip(packet, header, packetSize);
            if (sent.Length < packet.Length) stripped++;
            // GStreamer's reading of L (the packet alone) for half of them, the header-inclusive one for the rest.
            int length = sequence % 2 == 0 ? sent.Length + 4 : sent.Length;
            depacketizer.Push(Rtp(sequence++, marker: true, Unit(AsfPayloadFlags.Length | AsfPayloadFlags.KeyFrame, length, sent)));
            Assert.True(depacketizer.TryDequeue(out var rebuilt));
            Assert.Equal(packetSize, rebuilt.Length);
            var rebuiltHeader = AsfPacketParser.Parse(rebuilt.Span, packetSize, after);
            Assert.Equal(header.PayloadCount, rebuiltHeader.PayloadCount);
            for (int i = 0; i < header.PayloadCount; i++)
            {
                Assert.Equal(before[i].StreamNumber, after[i].StreamNumber);
                Assert.Equal(before[i].MediaObjectNumber, after[i].MediaObjectNumber);
                Assert.True(packet.AsSpan(before[i].Start, before[i].End - before[i].Start)
                    .SequenceEqual(rebuilt.Span.Slice(after[i].Start, after[i].End - after[i].Start)));
            }

            Assert.Equal(header.SendTime, rebuiltHeader.SendTime);
        }

        Assert.True(stripped > 0, $"{name}: no packet had padding to strip");
        Assert.Equal(packets.Length, depacketizer.Statistics.PacketsOut);
    }

    [SharedMediaTheory]
    [InlineData("wine_wmvcore_test.wmv", 3)]
    [InlineData("mm_elephant.asf", 5)]
    [InlineData("audioscan_wmv92-with-audio.wmv", 7)]
    public void Every_packet_of_a_lossy_udp_stream_is_either_rebuilt_exactly_or_counted_torn(string name, int lossEvery)
    {
        var (_, packetSize, packets) = RtspMedia.Load(name);
        var packetizer = new AsfRtpPacketizer(9, 1000, maxRtpPayload: 500);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        var buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packetSize, 500)];
        var lengths = new int[64];
        int sent = 0, dropped = 0, intact = 0;
        var rebuilt = new List<byte[]>();
        foreach (var packet in packets)
        {
            int count = packetizer.Packetize(packet, 0, false, buffer, lengths);
            bool lost = false;
            int at = 0;
            for (int i = 0; i < count; i++)
            {
                // Deterministic loss of every lossEvery-th RTP packet, never the last one of the stream.
                if (++sent % lossEvery == 0 && !(packet == packets[^1] && i == count - 1))
                {
                    lost = true;
                    dropped++;
                }
                else
                {
                    depacketizer.Push(buffer.AsSpan(at, lengths[i]));
                }

                at += lengths[i];
            }

            if (!lost) intact++;
            while (depacketizer.TryDequeue(out var p)) rebuilt.Add(p.ToArray());
        }

        var stats = depacketizer.Statistics;
        Assert.True(dropped > 0);
        Assert.Equal(intact, rebuilt.Count);
        Assert.Equal(packets.Length, stats.PacketsOut + stats.TornPackets);
        Assert.Equal(dropped, stats.LostRtpPackets);
        Assert.All(rebuilt, p => Assert.Contains(packets, original => original.AsSpan().SequenceEqual(p)));
    }

    [SharedMediaFact]
    public void A_gap_inside_a_fragmented_packet_tears_it_and_is_counted()
    {
        var (_, packetSize, packets) = RtspMedia.Load("wine_wmvcore_test.wmv", 3);
        var fragments = Fragments(packets[0], 1000, 10);
        Assert.True(fragments.Count >= 3);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        depacketizer.Push(fragments[0]);
        depacketizer.Push(fragments[2]); // fragments[1] lost
        for (int i = 3; i < fragments.Count; i++) depacketizer.Push(fragments[i]);
        Assert.False(depacketizer.TryDequeue(out _));

        // The next packet, after the gap, is rebuilt.
        foreach (var rtp in Fragments(packets[1], 1000, (ushort)(10 + fragments.Count))) depacketizer.Push(rtp);
        Assert.True(depacketizer.TryDequeue(out var next));
        Assert.Equal(packets[1], next.ToArray());

        var stats = depacketizer.Statistics;
        Assert.Equal(1, stats.SequenceGaps);
        Assert.Equal(1, stats.LostRtpPackets);
        Assert.Equal(1, stats.TornPackets);
        Assert.Equal(0, stats.BadOffsets);
    }

    [SharedMediaFact]
    public void A_packet_without_its_last_fragment_is_torn_when_the_next_one_starts()
    {
        var (_, packetSize, packets) = RtspMedia.Load("wine_wmvcore_test.wmv", 2);
        var first = Fragments(packets[0], 1000, 0);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        // The last fragment is lost, but the sequence numbers leave no gap: the server skipped it.
        for (int i = 0; i < first.Count - 1; i++) depacketizer.Push(first[i]);
        foreach (var rtp in Fragments(packets[1], 1000, (ushort)(first.Count - 1))) depacketizer.Push(rtp);
        Assert.True(depacketizer.TryDequeue(out var rebuilt));
        Assert.Equal(packets[1], rebuilt.ToArray());
        Assert.False(depacketizer.TryDequeue(out _));
        Assert.Equal(1, depacketizer.Statistics.TornPackets);
        Assert.Equal(0, depacketizer.Statistics.SequenceGaps);
    }

    [SharedMediaFact]
    public void Fragments_whose_offsets_do_not_add_up_drop_their_packet()
    {
        var (_, packetSize, packets) = RtspMedia.Load("wine_wmvcore_test.wmv", 2);
        var fragments = Fragments(packets[0], 1000, 0);
        // Lie in the second fragment's offset.
        BinaryPrimitives.WriteUInt16BigEndian(fragments[1].AsSpan(RtpHeader.FixedSize + 2), 999);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        foreach (var rtp in fragments) depacketizer.Push(rtp);
        Assert.False(depacketizer.TryDequeue(out _));
        Assert.Equal(1, depacketizer.Statistics.BadOffsets);
        Assert.Equal(0, depacketizer.Statistics.PacketsOut);

        foreach (var rtp in Fragments(packets[1], 1000, (ushort)fragments.Count)) depacketizer.Push(rtp);
        Assert.True(depacketizer.TryDequeue(out var next));
        Assert.Equal(packets[1], next.ToArray());
    }

    [SharedMediaFact]
    public void Packets_larger_than_the_packet_size_are_dropped()
    {
        var (_, packetSize, packets) = RtspMedia.Load("mm_elephant.asf", 1);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        byte[] tooBig = [.. packets[0], 0, 0, 0];
        depacketizer.Push(Rtp(1, true, Unit(AsfPayloadFlags.Length, tooBig.Length + 4, tooBig)));
        // Fragments that grow past the packet size.
        depacketizer.Push(Rtp(2, false, Unit(AsfPayloadFlags.None, 0, packets[0])));
        depacketizer.Push(Rtp(3, true, Unit(AsfPayloadFlags.None, packets[0].Length, [1, 2, 3])));
        Assert.False(depacketizer.TryDequeue(out _));
        Assert.Equal(2, depacketizer.Statistics.OversizePackets);
    }

    [SharedMediaFact]
    public void Lying_lengths_are_counted_and_a_longer_claim_takes_the_rest_as_vlc_does()
    {
        var (_, packetSize, packets) = RtspMedia.Load("mm_elephant.asf", 2);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        // Length shorter than the data under both readings, and no second unit behind it: the lengths lie.
        depacketizer.Push(Rtp(1, true, Unit(AsfPayloadFlags.Length, 100, packets[0])));
        Assert.False(depacketizer.TryDequeue(out _));
        Assert.Equal(1, depacketizer.Statistics.BadLengths);

        // Length longer than what is there: the rest of the payload is the packet (docs/protocol/rtsp.md#s4.3).
        depacketizer.Push(Rtp(2, true, Unit(AsfPayloadFlags.Length, 0xFFFFFF, packets[1])));
        Assert.True(depacketizer.TryDequeue(out var rebuilt));
        Assert.Equal(packets[1], rebuilt.ToArray());
    }

    [SharedMediaFact]
    public void Late_and_repeated_rtp_packets_are_dropped_and_optional_fields_are_skipped()
    {
        var (_, packetSize, packets) = RtspMedia.Load("mm_elephant.asf", 3);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        var flags = AsfPayloadFlags.Length | AsfPayloadFlags.RelativeTimestamp | AsfPayloadFlags.Duration | AsfPayloadFlags.LocationId;
        byte[] Whole(byte[] p)
        {
            byte[] unit = new byte[16 + p.Length];
            AsfPayloadHeader.Write(unit, flags, unit.Length, 5, 6, 7);
            p.CopyTo(unit, 16);
            return unit;
        }

        depacketizer.Push(Rtp(10, true, Whole(packets[0])));
        depacketizer.Push(Rtp(10, true, Whole(packets[0])));
        depacketizer.Push(Rtp(11, true, Whole(packets[1])));
        depacketizer.Push(Rtp(9, true, Whole(packets[2])));
        Assert.Equal(2, depacketizer.Count);
        Assert.True(depacketizer.TryDequeue(out var a));
        Assert.Equal(packets[0], a.ToArray());
        Assert.True(depacketizer.TryDequeue(out var b));
        Assert.Equal(packets[1], b.ToArray());
        Assert.Equal(2, depacketizer.Statistics.LateOrDuplicate);
    }

    [Fact]
    public void A_new_ssrc_restarts_the_sequence_check_and_tears_an_open_packet()
    {
        var depacketizer = new AsfRtpDepacketizer(8);
        byte[] packet = [0x82, 0, 0, 0, 0, 0, 0, 0];
        depacketizer.Push(Rtp(100, false, Unit(AsfPayloadFlags.None, 0, packet[..4])));
        byte[] other = Rtp(5, true, Unit(AsfPayloadFlags.Length, 12, packet));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(other.AsSpan(8), 0x99);
        depacketizer.Push(other);
        Assert.True(depacketizer.TryDequeue(out var rebuilt));
        Assert.Equal(packet, rebuilt.ToArray());
        var stats = depacketizer.Statistics;
        Assert.Equal((1L, 0L, 0L), (stats.TornPackets, stats.SequenceGaps, stats.LateOrDuplicate));
    }

    [SharedMediaFact]
    public void Packetizing_and_rebuilding_allocate_nothing_per_packet()
    {
        var (_, packetSize, packets) = RtspMedia.Load("mm_elephant.asf");
        var packetizer = new AsfRtpPacketizer(1, 0, maxRtpPayload: 400);
        var depacketizer = new AsfRtpDepacketizer(packetSize);
        var buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packetSize, 400)];
        var lengths = new int[8];
        int wrongSize = 0;
        long Run()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var packet in packets)
            {
                var (sendTime, key) = AsfRtpPacketizer.Describe(packet, packetSize);
                int count = packetizer.Packetize(packet, sendTime, key, buffer, lengths);
                int at = 0;
                for (int i = 0; i < count; i++)
                {
                    depacketizer.Push(buffer.AsSpan(at, lengths[i]));
                    at += lengths[i];
                }

                while (depacketizer.TryDequeue(out var rebuilt)) wrongSize += rebuilt.Length == packetSize ? 0 : 1; // no Assert in the measured loop: it allocates
                packetizer.PacketizeInterleaved(packet, sendTime, key, 0, buffer);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Run(); // first calls JIT-compile
        Assert.Equal(0, Run());
        Assert.Equal(0, wrongSize);
        Assert.Equal(packets.Length * 2, depacketizer.Statistics.PacketsOut);
    }

    [Fact]
    public void A_full_queue_drops_and_counts_instead_of_growing()
    {
        var depacketizer = new AsfRtpDepacketizer(8, queueCapacity: 2);
        byte[] packet = [0x82, 0, 0, 0, 0, 0, 0, 0];
        for (ushort s = 0; s < 3; s++) depacketizer.Push(Rtp(s, true, Unit(AsfPayloadFlags.Length, 12, packet)));
        Assert.Equal(2, depacketizer.Count);
        Assert.Equal(1, depacketizer.Statistics.QueueOverflows);
    }

    [Fact]
    public void A_malformed_rtp_header_throws_and_nothing_else_does()
    {
        var depacketizer = new AsfRtpDepacketizer(100);
        Assert.Throws<MmsProtocolException>(() => depacketizer.Push(new byte[] { 0x40, 0, 0, 0 }));
        depacketizer.Push(Rtp(1, true, [0x40, 0]));
        Assert.Equal(1, depacketizer.Statistics.MalformedPayloads);
    }

    [SharedMediaFact]
    public void Interleaved_output_is_dollar_frames_of_the_same_rtp_packets()
    {
        var (_, packetSize, packets) = RtspMedia.Load("wine_wmvcore_test.wmv", 1);
        var a = new AsfRtpPacketizer(5, 40, maxRtpPayload: 1400);
        var b = new AsfRtpPacketizer(5, 40, maxRtpPayload: 1400);
        var framed = new byte[AsfRtpPacketizer.MaxOutputSize(packetSize, 1400)];
        int total = a.PacketizeInterleaved(packets[0], 77, true, 2, framed);
        var plain = new byte[framed.Length];
        var lengths = new int[8];
        int count = b.Packetize(packets[0], 77, true, plain, lengths);
        Assert.Equal(total, lengths[..count].Sum() + (4 * count));
        var reader = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(framed, 0, total));
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            Assert.True(RtspInterleaved.TryRead(ref reader, out var frame));
            Assert.Equal(2, frame.Channel);
            Assert.Equal(plain.AsSpan(at, lengths[i]).ToArray(), System.Buffers.BuffersExtensions.ToArray(frame.Payload));
            at += lengths[i];
        }

        Assert.Equal(a.NextSequence, b.NextSequence);
        Assert.Equal((ushort)(40 + count), a.NextSequence);
    }

    internal static byte[] Rtp(ushort sequence, bool marker, params byte[][] units)
    {
        byte[] rtp = new byte[RtpHeader.FixedSize + units.Sum(u => u.Length)];
        RtpHeader.Write(rtp, marker, 96, sequence, 1234, 0xABCDEF01);
        int at = RtpHeader.FixedSize;
        foreach (var unit in units)
        {
            unit.CopyTo(rtp, at);
            at += unit.Length;
        }

        return rtp;
    }

    internal static byte[] Unit(AsfPayloadFlags flags, int lengthOrOffset, byte[] data)
    {
        byte[] unit = new byte[4 + data.Length];
        AsfPayloadHeader.Write(unit, flags, lengthOrOffset);
        data.CopyTo(unit, 4);
        return unit;
    }

    private static List<byte[]> Fragments(byte[] packet, int maxPayload, ushort firstSequence)
    {
        var packetizer = new AsfRtpPacketizer(1, firstSequence, maxRtpPayload: maxPayload);
        var buffer = new byte[AsfRtpPacketizer.MaxOutputSize(packet.Length, maxPayload)];
        var lengths = new int[64];
        int count = packetizer.Packetize(packet, 0, false, buffer, lengths);
        var list = new List<byte[]>();
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            list.Add(buffer.AsSpan(at, lengths[i]).ToArray());
            at += lengths[i];
        }

        return list;
    }

    /// <summary>A packet as a spec-following server sends it: padding removed and the Padding Length field set to 0 (docs/protocol/rtsp.md#s4.5).</summary>
    private static byte[] Strip(byte[] packet, in AsfPacket header, int packetSize)
    {
        if (header.PaddingLength == 0 || header.PaddingLengthFieldOffset < 0 || header.PacketLengthType != 0) return packet;
        byte[] stripped = packet[..(packetSize - header.PaddingLength)];
        int width = header.PaddingLengthType == 3 ? 4 : header.PaddingLengthType;
        stripped.AsSpan(header.PaddingLengthFieldOffset, width).Clear();
        return stripped;
    }
}
