using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030028 LinkViewerToMacStartStriding (docs/protocol/mmst.md#s1.5.9): StartPlaying's layout through playIncarnation
/// plus a DOUBLE <see cref="Rate"/> (−5…+5, never 0) for fast forward / rewind. Answered by ReportStartStriding.
/// </summary>
public readonly record struct StartStridingMessage(
    uint OpenFileId,
    uint Padding,
    double Position,
    uint AsfOffset,
    uint LocationId,
    uint FrameOffset,
    uint PlayIncarnation,
    double Rate) : IMmstMessage<StartStridingMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.StartStriding;

    public int BodyLength => 40;

    public MmstStartPoint StartPoint => MmstStartPoint.Resolve(Position, AsfOffset, LocationId);

    public static StartStridingMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "StartStriding");
        return new StartStridingMessage(
            reader.ReadUInt32("openFileId"),
            reader.ReadUInt32("padding"),
            reader.ReadDouble("position"),
            reader.ReadUInt32("asfOffset"),
            reader.ReadUInt32("locationId"),
            reader.ReadUInt32("frameOffset"),
            reader.ReadUInt32("playIncarnation"),
            reader.ReadDouble("rate"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(OpenFileId);
        writer.UInt32(Padding);
        writer.Double(Position);
        writer.UInt32(AsfOffset);
        writer.UInt32(LocationId);
        writer.UInt32(FrameOffset);
        writer.UInt32(PlayIncarnation);
        writer.Double(Rate);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
