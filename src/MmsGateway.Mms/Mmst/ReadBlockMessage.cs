using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030015 LinkViewerToMacReadBlock (docs/protocol/mmst.md#s1.5.7): asks for the ASF header. A server uses only
/// <see cref="PlayIncarnation"/>, which it echoes in ReportReadBlock and in byte 4 of every header piece.
/// </summary>
/// <param name="Length">0x8000 per spec and vlc/libmms; ffmpeg sends 0x00800000.</param>
public readonly record struct ReadBlockMessage(
    uint OpenFileId,
    uint FileBlockId,
    uint Offset,
    uint Length,
    uint Flags,
    double EarliestTime,
    double DeadlineTime,
    uint PlayIncarnation,
    uint PlaySequence) : IMmstMessage<ReadBlockMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReadBlock;

    public int BodyLength => 48;

    /// <summary>What vlc and libmms send; every open client uses header incarnation 2.</summary>
    public static ReadBlockMessage Create(uint openFileId = 1, uint playIncarnation = 2) =>
        new(openFileId, 0, 0, 0x8000, 0xFFFF_FFFF, 0.0, 3600.0, playIncarnation, 0);

    public static ReadBlockMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReadBlock");
        uint openFileId = reader.ReadUInt32("openFileId");
        uint fileBlockId = reader.ReadUInt32("fileBlockId");
        uint offset = reader.ReadUInt32("offset");
        uint length = reader.ReadUInt32("length");
        uint flags = reader.ReadUInt32("flags");
        reader.Skip(4, "padding");
        double earliest = reader.ReadDouble("tEarliest");
        double deadline = reader.ReadDouble("tDeadline");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");
        uint playSequence = reader.ReadUInt32("playSequence");
        return new ReadBlockMessage(openFileId, fileBlockId, offset, length, flags, earliest, deadline,
            playIncarnation, playSequence);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(OpenFileId);
        writer.UInt32(FileBlockId);
        writer.UInt32(Offset);
        writer.UInt32(Length);
        writer.UInt32(Flags);
        writer.Zeros(4);
        writer.Double(EarliestTime);
        writer.Double(DeadlineTime);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(PlaySequence);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
