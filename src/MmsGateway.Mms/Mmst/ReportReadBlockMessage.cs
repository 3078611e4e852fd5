using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040011 LinkMacToViewerReportReadBlock (docs/protocol/mmst.md#s1.5.7): precedes the header pieces; ffmpeg and
/// libmms require it. PlayIncarnation echoes the ReadBlock's.
/// </summary>
public readonly record struct ReportReadBlockMessage(uint HResult, uint PlayIncarnation, uint PlaySequence) : IMmstMessage<ReportReadBlockMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReportReadBlock;

    public int BodyLength => 12;

    public static ReportReadBlockMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportReadBlock");
        return new ReportReadBlockMessage(
            reader.ReadUInt32("hr"),
            reader.ReadUInt32("playIncarnation"),
            reader.ReadUInt32("playSequence"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(PlaySequence);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
