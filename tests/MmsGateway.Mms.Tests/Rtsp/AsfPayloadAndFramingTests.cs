using System.Buffers;
using MmsGateway.Mms.Rtsp;

namespace MmsGateway.Mms.Tests.Rtsp;

/// <summary>The byte layouts of docs/protocol/rtsp.md#s4 and docs/protocol/rtsp.md#s9: payload header, RTP header, '$' frames.</summary>
public class AsfPayloadAndFramingTests
{
    [Fact]
    public void The_worked_example_of_the_fact_sheet_is_what_the_packetizer_writes()
    {
        // docs/protocol/rtsp.md#s4.6: a whole 1600-byte key-frame packet, sequence 0x1234, send time 5000, SSRC 0x1A2B3C4D, channel 0.
        byte[] packet = new byte[1600];
        packet[0] = 0x82;
        var packetizer = new AsfRtpPacketizer(0x1A2B3C4D, 0x1234);
        var output = new byte[AsfRtpPacketizer.MaxOutputSize(1600, AsfRtpPacketizer.MaxTcpRtpPayload)];
        int written = packetizer.PacketizeInterleaved(packet, 5000, true, 0, output);
        Assert.Equal(4 + 12 + 4 + 1600, written);
        Assert.Equal(Hex.Parse("24 00 06 50 80 E0 12 34 00 00 13 88 1A 2B 3C 4D C0 00 06 44 82 00 00"), output[..23]);
    }

    [Fact]
    public void The_fragment_example_of_the_fact_sheet_splits_at_1400_bytes()
    {
        byte[] packet = new byte[1600];
        var packetizer = new AsfRtpPacketizer(0x1A2B3C4D, 0x1235, maxRtpPayload: 1404);
        var output = new byte[AsfRtpPacketizer.MaxOutputSize(1600, 1404)];
        var lengths = new int[2];
        Assert.Equal(2, packetizer.Packetize(packet, 5000, true, output, lengths));
        Assert.Equal(new[] { 12 + 4 + 1400, 12 + 4 + 200 }, lengths);
        Assert.Equal(Hex.Parse("80 60 12 35 00 00 13 88 1A 2B 3C 4D 80 00 00 00"), output[..16]);
        Assert.Equal(Hex.Parse("80 E0 12 36 00 00 13 88 1A 2B 3C 4D 80 00 05 78"), output.AsSpan(lengths[0], 16).ToArray());
    }

    [Fact]
    public void Payload_header_reads_every_optional_field_in_order()
    {
        byte[] bytes = Hex.Parse("F8 00 01 00 00 00 00 05 00 00 00 06 00 00 00 07");
        var header = AsfPayloadHeader.Parse(bytes);
        Assert.True(header.IsKeyFrame);
        Assert.True(header.HasLength);
        Assert.Equal(256, header.LengthOrOffset);
        Assert.Equal(16, header.Size);
        Assert.Equal(5u, header.RelativeTimestamp);
        Assert.Equal(6u, header.Duration);
        Assert.Equal(7u, header.LocationId);

        var written = new byte[16];
        Assert.Equal(16, AsfPayloadHeader.Write(written, header.Flags, 256, 5, 6, 7));
        Assert.Equal(bytes, written);

        var dOnly = AsfPayloadHeader.Parse(Hex.Parse("50 00 00 10 00 00 00 09"));
        Assert.Null(dOnly.RelativeTimestamp);
        Assert.Equal(9u, dOnly.Duration);
        Assert.Equal(8, dOnly.Size);
    }

    [Fact]
    public void Payload_header_cut_short_throws_and_try_parse_says_false()
    {
        Assert.Throws<MmsProtocolException>(() => AsfPayloadHeader.Parse([0x40, 0, 0]));
        Assert.Throws<MmsProtocolException>(() => AsfPayloadHeader.Parse([0x60, 0, 0, 8, 0, 0]));
        Assert.False(AsfPayloadHeader.TryParse([0x60, 0, 0, 8, 0, 0], out _));
    }

    [Fact]
    public void Rtp_header_accounts_for_csrc_extension_and_padding()
    {
        // V=2 P X CC=1, M PT=96, seq 7, ts 9, ssrc 1, one CSRC, an extension of one word, 3 payload bytes, 2 padding.
        byte[] packet = Hex.Parse("B1 E0 00 07 00 00 00 09 00 00 00 01 | 00 00 00 02 | BE DE 00 01 11 22 33 44 | AA BB CC | 00 02");
        var header = RtpHeader.Parse(packet);
        Assert.True(header.Marker);
        Assert.Equal(96, header.PayloadType);
        Assert.Equal(7, header.SequenceNumber);
        Assert.Equal(9u, header.Timestamp);
        Assert.Equal(1u, header.Ssrc);
        Assert.Equal(1, header.CsrcCount);
        Assert.Equal(24, header.HeaderLength);
        Assert.Equal(2, header.PaddingLength);
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, header.Payload(packet).ToArray());
    }

    [Theory]
    [InlineData("80 E0 00 07 00 00 00 09 00 00 00")] // short
    [InlineData("40 E0 00 07 00 00 00 09 00 00 00 01")] // version 1
    [InlineData("82 E0 00 07 00 00 00 09 00 00 00 01 00 00 00 02")] // CSRC count past the end
    [InlineData("90 E0 00 07 00 00 00 09 00 00 00 01 BE DE 00 09")] // extension past the end
    [InlineData("A0 E0 00 07 00 00 00 09 00 00 00 01 AA 20")] // padding count past the end
    public void Rtp_header_lengths_that_do_not_fit_throw(string hex) =>
        Assert.Throws<MmsProtocolException>(() => RtpHeader.Parse(Hex.Parse(hex)));

    [Fact]
    public void Interleaved_frames_and_messages_are_told_apart_on_one_stream()
    {
        byte[] stream = [.. Hex.Parse("24 00 00 03 01 02 03"), .. "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n"u8.ToArray(), .. Hex.Parse("24 50 00 02 AA BB 24 01 00")];
        for (int cut = 1; cut < stream.Length; cut++)
        {
            var reader = new SequenceReader<byte>(Segments.Split(stream, cut));
            Assert.Equal(RtspStreamItem.InterleavedFrame, RtspInterleaved.Peek(ref reader));
            Assert.True(RtspInterleaved.TryRead(ref reader, out var rtp));
            Assert.Equal(0, rtp.Channel);
            Assert.False(rtp.IsPacketPair);
            Assert.Equal(new byte[] { 1, 2, 3 }, rtp.Payload.ToArray());
            Assert.Equal(RtspStreamItem.Message, RtspInterleaved.Peek(ref reader));
            Assert.True(RtspHeadParser.TryParse(ref reader, RtspLimits.Default, out var head));
            Assert.Equal(2, head.CSeq);
            Assert.True(RtspInterleaved.TryRead(ref reader, out var pair));
            Assert.True(pair.IsPacketPair);
            long before = reader.Consumed;
            Assert.False(RtspInterleaved.TryRead(ref reader, out _)); // "$ 01 00" needs one more byte
            Assert.Equal(before, reader.Consumed);
        }

        var empty = new SequenceReader<byte>(ReadOnlySequence<byte>.Empty);
        Assert.Equal(RtspStreamItem.NeedMoreData, RtspInterleaved.Peek(ref empty));
        var garbage = new SequenceReader<byte>(new ReadOnlySequence<byte>([0x99]));
        try
        {
            RtspInterleaved.Peek(ref garbage);
            Assert.Fail("a byte that starts neither a frame nor a message was accepted");
        }
        catch (MmsProtocolException)
        {
        }
    }

    [Fact]
    public void Interleaved_write_is_dollar_channel_and_big_endian_length()
    {
        var frame = new byte[4 + 300];
        Assert.Equal(304, RtspInterleaved.Write(frame, 1, new byte[300]));
        Assert.Equal(Hex.Parse("24 01 01 2C"), frame[..4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => RtspInterleaved.WriteHeader(new byte[4], 0, 65536));
    }

    [Fact]
    public void Rtcp_receiver_report_bye_and_generic_nack()
    {
        var rr = new byte[32];
        int length = RtcpReceiverReport.Write(rr, 0x01020304, [new RtcpReportBlock(0x0A0B0C0D, 3, -2, 70000, 5, 6, 7)]);
        Assert.Equal(32, length);
        Assert.Equal(Hex.Parse("81 C9 00 07 01 02 03 04 0A 0B 0C 0D 03 FF FF FE 00 01 11 70 00 00 00 05 00 00 00 06 00 00 00 07"), rr);
        Assert.True(RtcpCompound.IsRtcp(rr));
        Assert.False(RtcpCompound.ContainsBye(rr));
        byte[] compound = [.. rr, .. Hex.Parse("81 CB 00 01 0A 0B 0C 0D")];
        Assert.True(RtcpCompound.ContainsBye(compound));
        Assert.Throws<MmsProtocolException>(() => RtcpCompound.ContainsBye(compound[..^1]));
        Assert.False(RtcpCompound.IsRtcp(Hex.Parse("80 E0 00 01 00 00 00 00 00 00 00 00")));

        ushort[] lost = [65534, 65535, 0, 3, 17, 40];
        var nack = new byte[64];
        int nackLength = RtcpGenericNack.Write(nack, 1, 2, lost);
        Assert.Equal(12 + (4 * 3), nackLength); // 65534 covers up to 65534+16 = 14; 17 and 40 start their own
        Assert.Equal(Hex.Parse("81 CD 00 05 00 00 00 01 00 00 00 02 FF FE 00 13"), nack[..16]);
        var read = new ushort[RtcpGenericNack.MaxLost];
        int count = RtcpGenericNack.Parse(nack.AsSpan(0, nackLength), out uint sender, out uint media, read);
        Assert.Equal((1u, 2u), (sender, media));
        Assert.Equal(lost, read[..count]);
        Assert.Throws<MmsProtocolException>(() => RtcpGenericNack.Parse(rr, out _, out _, read));
    }
}
