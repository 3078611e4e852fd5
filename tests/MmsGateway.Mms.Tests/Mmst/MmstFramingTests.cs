using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MmsGateway.Mms.Mmst;
using static MmsGateway.Mms.Tests.Mmst.MmstTestHelpers;

namespace MmsGateway.Mms.Tests.Mmst;

/// <summary>The demultiplexing rule of docs/protocol/mmst.md#s1.1.</summary>
public class MmstFramingTests
{
    private static readonly byte[] ReadBlockPacket = Hex.Parse(GoldenTrace.ReadBlock);

    [Fact]
    public void A_command_packet_split_at_any_position_reads_the_same()
    {
        for (int cut = 1; cut < ReadBlockPacket.Length; cut++)
        {
            MmstPdu pdu = ReadSinglePdu(Segments.Split(ReadBlockPacket, cut, cut + 3));
            Assert.Equal(MmstMessageId.ReadBlock, pdu.MessageId);
            Assert.Equal(ReadBlockMessage.Create(), pdu.ReadMessage<ReadBlockMessage>());
        }
    }

    [Fact]
    public void Every_incomplete_prefix_needs_more_bytes_and_consumes_nothing()
    {
        byte[] data = [.. ReadBlockPacket, .. DataPacket(7, 4, 1, 100)];
        for (int length = 0; length < ReadBlockPacket.Length; length++)
        {
            AssertNeedsMore(data[..length]);
        }

        for (int length = ReadBlockPacket.Length + 1; length < data.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data, 0, length));
            Assert.True(MmstFraming.TryReadPdu(ref reader, out _));
            long consumed = reader.Consumed;
            Assert.False(MmstFraming.TryReadPdu(ref reader, out _));
            Assert.Equal(consumed, reader.Consumed);
        }
    }

    [Fact]
    public void A_data_packet_is_told_apart_by_the_missing_signature()
    {
        byte[] packet = DataPacket(locationId: 17, incarnation: 4, afFlags: 0x11, payloadLength: 3200);
        MmstPdu pdu = ReadSinglePdu(Segments.Split(packet, 3, 7, 100));
        Assert.Equal(MmstPduKind.Data, pdu.Kind);
        Assert.Equal(new MmsDataPacketHeader(17, 4, 0x11, 3208), pdu.DataHeader);
        Assert.Equal(3200, pdu.Payload.Length);
        Assert.Equal(packet[8..], pdu.Payload.ToArray());
        Assert.Throws<InvalidOperationException>(() => pdu.MessageId);
    }

    [Fact]
    public void An_empty_data_packet_is_allowed()
    {
        MmstPdu pdu = ReadSinglePdu(DataPacket(0, 4, 0, 0));
        Assert.Equal(0, pdu.Payload.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void A_data_packet_smaller_than_its_preheader_is_malformed(ushort size)
    {
        byte[] packet = [0, 0, 0, 0, 4, 0, 0, 0];
        BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(6), size);
        MmsProtocolException error = AssertMalformed(packet);
        Assert.Equal(6, error.Offset);
    }

    [Theory]
    [InlineData(33)] // not a multiple of 8
    [InlineData(16)] // no room for chunkLen and MID
    [InlineData(8)]
    [InlineData(0)]
    [InlineData(64 * 1024 + 8)] // beyond the bound
    [InlineData(0xFFFF_FFF8)]
    public void A_lying_messageLength_is_malformed(uint messageLength)
    {
        byte[] packet = (byte[])ReadBlockPacket.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(8), messageLength);
        MmsProtocolException error = AssertMalformed(packet[..12]);
        Assert.Equal(8, error.Offset);
        Assert.Contains("messageLength", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chunkLen_claiming_more_than_the_packet_is_malformed()
    {
        byte[] packet = (byte[])ReadBlockPacket.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(32), 8);
        Assert.Equal(32, AssertMalformed(packet).Offset);
    }

    [Fact]
    public void Error_offsets_count_from_the_start_of_the_sequence()
    {
        byte[] bad = (byte[])ReadBlockPacket.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(8), 12);
        byte[] data = [.. ReadBlockPacket, .. bad];
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data));
        Assert.True(MmstFraming.TryReadPdu(ref reader, out _));
        try
        {
            MmstFraming.TryReadPdu(ref reader, out _);
            Assert.Fail("expected an MmsProtocolException");
        }
        catch (MmsProtocolException error)
        {
            Assert.Equal(ReadBlockPacket.Length + 8, error.Offset);
        }
    }

    /// <summary>
    /// The documented ambiguity of docs/protocol/mmst.md#s1.1: a data packet with playIncarnation 0xCE, AFFlags 0xFA and
    /// PacketSize 0xB00B has the command signature at bytes 4..7 and is read as a command. Servers must never use
    /// incarnation 0xCE; this test pins down that the framing does not try to guess.
    /// </summary>
    [Fact]
    public void A_data_packet_colliding_with_the_signature_is_read_as_a_command()
    {
        byte[] collision = new byte[0xB00B];
        new MmsDataPacketHeader(0, 0xCE, 0xFA, 0xB00B).Write(collision);
        Assert.Equal(Hex.Parse("ce fa 0b b0"), collision[4..8]);

        // Payload bytes 8..11 become "messageLength": a plausible value frames a bogus command...
        BinaryPrimitives.WriteUInt32LittleEndian(collision.AsSpan(8), 32);
        MmstPdu pdu = ReadFirstPdu(collision);
        Assert.Equal(MmstPduKind.Command, pdu.Kind);
        Assert.Equal(48, pdu.Packet.Length);

        // ...and an implausible one is reported as malformed rather than misread silently.
        BinaryPrimitives.WriteUInt32LittleEndian(collision.AsSpan(8), 0x3000_0000);
        AssertMalformed(collision);
    }

    [Fact]
    public void The_server_side_reader_rejects_bytes_that_are_not_a_command()
    {
        byte[] http = Encoding.ASCII.GetBytes("GET /t.wmv HTTP/1.0\r\n");
        Assert.Throws<MmsProtocolException>(() =>
        {
            var httpReader = new SequenceReader<byte>(new ReadOnlySequence<byte>(http));
            MmstFraming.TryReadCommand(ref httpReader, out _);
        });

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(ReadBlockPacket));
        Assert.True(MmstFraming.TryReadCommand(ref reader, out MmstPdu pdu));
        Assert.Equal(MmstMessageId.ReadBlock, pdu.MessageId);

        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(ReadBlockPacket, 0, 7));
        Assert.False(MmstFraming.TryReadCommand(ref reader, out _));
    }

    [Fact]
    public void Data_packets_are_written_with_the_size_including_the_preheader()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmstFraming.WriteDataPacket(writer, 5, 4, 9, [1, 2, 3]);
        Assert.Equal(Hex.Parse("05 00 00 00 04 09 0b 00 01 02 03"), writer.WrittenSpan.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(
            () => MmstFraming.WriteDataPacket(writer, 0, 4, 0, new byte[MmsDataPacketHeader.MaxPayloadLength + 1]));
    }

    private static byte[] DataPacket(uint locationId, byte incarnation, byte afFlags, int payloadLength)
    {
        var writer = new ArrayBufferWriter<byte>();
        byte[] payload = Enumerable.Range(0, payloadLength).Select(i => (byte)i).ToArray();
        MmstFraming.WriteDataPacket(writer, locationId, incarnation, afFlags, payload);
        return writer.WrittenSpan.ToArray();
    }

    private static MmstPdu ReadFirstPdu(byte[] data)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data));
        Assert.True(MmstFraming.TryReadPdu(ref reader, out MmstPdu pdu));
        return pdu;
    }

    private static void AssertNeedsMore(byte[] data)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data));
        Assert.False(MmstFraming.TryReadPdu(ref reader, out _));
        Assert.Equal(0, reader.Consumed);
    }

    private static MmsProtocolException AssertMalformed(byte[] data)
    {
        try
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data));
            MmstFraming.TryReadPdu(ref reader, out _);
        }
        catch (MmsProtocolException error)
        {
            return error;
        }

        Assert.Fail("expected an MmsProtocolException");
        return null!;
    }
}
