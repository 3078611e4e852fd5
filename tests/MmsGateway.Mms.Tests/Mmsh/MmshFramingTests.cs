using System.Buffers;
using MmsGateway.Mms.Mmsh;

namespace MmsGateway.Mms.Tests.Mmsh;

/// <summary>The <c>$X</c> framing of docs/protocol/mmsh.md#s2.5.</summary>
public class MmshFramingTests
{
    [Fact]
    public void Header_worked_bytes()
    {
        byte[] header = Pattern(5000);
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteHeader(writer, header);
        byte[] bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(Hex.Parse("24 48 90 13 | 00 00 00 00 00 0C 90 13"), bytes[..12]);
        Assert.Equal(header, bytes[12..]);

        MmshChunk chunk = ReadSingle(bytes);
        Assert.Equal(MmshChunkType.Header, chunk.Type);
        Assert.Equal(5008, chunk.PacketLength);
        Assert.Equal(new MmsDataPacketHeader(0, 0, 0x0C, 5008), chunk.Preheader);
        Assert.True(chunk.IsFinalHeaderPiece);
        Assert.Equal(header, chunk.Payload.ToArray());
    }

    [Fact]
    public void Data_worked_bytes()
    {
        byte[] packet = Pattern(3200);
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteData(writer, 17, 0, 0x11, packet);
        byte[] bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(Hex.Parse("24 44 88 0C | 11 00 00 00 00 11 88 0C"), bytes[..12]);

        MmshChunk chunk = ReadSingle(bytes);
        Assert.Equal(MmshChunkType.Data, chunk.Type);
        Assert.Equal(17u, chunk.Preheader.LocationId);
        Assert.Equal(0x11, chunk.Preheader.AfFlags);
        Assert.Equal(packet, chunk.Payload.ToArray());
        Assert.False(chunk.FollowsImmediately);
    }

    [Fact]
    public void End_and_change_worked_bytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteEndOfStream(writer);
        MmshFraming.WriteStreamChange(writer);
        MmshFraming.WriteEndOfStream(writer, MmshReason.EntryFinished);
        byte[] bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(Hex.Parse("24 45 04 00 00 00 00 00  24 43 04 00 00 00 00 00  24 45 04 00 01 00 00 00"), bytes);

        List<MmshChunk> chunks = ReadAll(bytes);
        Assert.Equal([MmshChunkType.EndOfStream, MmshChunkType.StreamChange, MmshChunkType.EndOfStream],
            chunks.Select(c => c.Type));
        Assert.Equal([0u, 0u, 1u], chunks.Select(c => c.Reason));
    }

    [Fact]
    public void A_play_body_reads_in_order_when_split_byte_by_byte()
    {
        byte[] body = PlayBody();
        List<MmshChunk> chunks = ReadAll(Segments.ByteByByte(body));
        Assert.Equal("H D D E", string.Join(' ', chunks.Select(c => (char)c.Type)));
        Assert.Equal([0u, 5u, 6u, 0u], chunks.Select(c => c.Preheader.LocationId));
    }

    [Fact]
    public void Every_incomplete_prefix_needs_more_bytes_and_consumes_nothing()
    {
        byte[] body = PlayBody();
        byte[] first = body[..(12 + 809)];
        for (int length = 0; length < first.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body, 0, length));
            Assert.False(MmshFraming.TryReadChunk(ref reader, out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void Unknown_types_are_skipped_by_their_length()
    {
        byte[] body = [.. Hex.Parse("24 58 03 00 aa bb cc  24 5a 00 00"), .. PlayBody()];
        Assert.Equal("H D D E", string.Join(' ', ReadAll(body).Select(c => (char)c.Type)));

        // An unknown chunk followed by an incomplete one: nothing consumed, so the caller keeps the bytes.
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body, 0, 7 + 4 + 6));
        Assert.False(MmshFraming.TryReadChunk(ref reader, out _));
        Assert.Equal(0, reader.Consumed);
    }

    [Fact]
    public void Metadata_packet_pair_and_pipeline_test_chunks_are_read()
    {
        var writer = new ArrayBufferWriter<byte>();
        byte[] text = "playlist-gen-id=1, broadcast-id=0, features=\"seekable\"\0"u8.ToArray();
        Span<byte> prefix = stackalloc byte[MmshFraming.DataPrefixSize];
        MmshFraming.WriteDataPrefix(prefix, MmshChunkType.Metadata, 0, 0, 0x0C, text.Length);
        writer.Write(prefix);
        writer.Write(text);
        writer.Write(Hex.Parse("24 50 08 00 f8 01 00 00 01 02 03 04  24 54 00 00"));

        List<MmshChunk> chunks = ReadAll(writer.WrittenSpan.ToArray());
        Assert.Equal([MmshChunkType.Metadata, MmshChunkType.PacketPair, MmshChunkType.PipelineTest],
            chunks.Select(c => c.Type));
        Assert.Equal(text, chunks[0].Payload.ToArray());
        Assert.Equal(8, chunks[1].Payload.Length);
        Assert.Equal(0, chunks[2].Payload.Length);
    }

    [Fact]
    public void The_B_bit_is_accepted_on_read()
    {
        MmshChunk chunk = ReadSingle(Hex.Parse("a4 44 0a 00 | 02 00 00 00 00 00 0a 00 | 82 00"));
        Assert.Equal(MmshChunkType.Data, chunk.Type);
        Assert.True(chunk.FollowsImmediately);
        Assert.Equal(2, chunk.Payload.Length);
    }

    [Fact]
    public void PacketLength_wins_over_a_disagreeing_PacketSize()
    {
        MmshChunk chunk = ReadSingle(Hex.Parse("24 44 0a 00 | 02 00 00 00 00 00 ff 0f | 82 00"));
        Assert.Equal(0x0FFF, chunk.Preheader.PacketSize);
        Assert.Equal(10, chunk.PacketLength);
        Assert.Equal(2, chunk.Payload.Length);
    }

    [Theory]
    [InlineData("25 44 08 00 00 00 00 00 00 00 08 00", 0)] // not '$'
    [InlineData("24 44 07 00 00 00 00 00 00 00 07", 2)] // $D shorter than its preheader
    [InlineData("24 48 00 00", 2)]
    [InlineData("24 45 02 00 00 00", 2)] // $E without a whole reason
    public void Malformed_chunks_throw_with_the_offset(string dump, long offset)
    {
        var error = Assert.Throws<MmsProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Hex.Parse(dump)));
            MmshFraming.TryReadChunk(ref reader, out _);
        });
        Assert.Equal(offset, error.Offset);
    }

    [Fact]
    public void Writers_refuse_payloads_that_do_not_fit_one_chunk()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentOutOfRangeException>(() => MmshFraming.WriteHeader(writer, new byte[65_528]));
        MmshFraming.WriteHeader(writer, new byte[65_527]);
        Assert.Equal(0xFFFF, ReadSingle(writer.WrittenSpan.ToArray()).PacketLength);
    }

    private static byte[] PlayBody()
    {
        var writer = new ArrayBufferWriter<byte>();
        MmshFraming.WriteHeader(writer, Pattern(809));
        MmshFraming.WriteData(writer, 5, 0, 0, Pattern(3200));
        MmshFraming.WriteData(writer, 6, 0, 1, Pattern(3000));
        MmshFraming.WriteEndOfStream(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    private static MmshChunk ReadSingle(byte[] bytes)
    {
        List<MmshChunk> chunks = ReadAll(bytes);
        return Assert.Single(chunks);
    }

    private static List<MmshChunk> ReadAll(byte[] bytes) => ReadAll(new ReadOnlySequence<byte>(bytes));

    private static List<MmshChunk> ReadAll(ReadOnlySequence<byte> data)
    {
        var reader = new SequenceReader<byte>(data);
        var chunks = new List<MmshChunk>();
        while (MmshFraming.TryReadChunk(ref reader, out MmshChunk chunk))
        {
            chunks.Add(chunk);
        }

        Assert.True(reader.End);
        return chunks;
    }
}
