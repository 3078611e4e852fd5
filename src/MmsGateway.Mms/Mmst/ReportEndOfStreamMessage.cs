using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x0004001E LinkMacToViewerReportEndOfStream (docs/protocol/mmst.md#s1.5.10): hr 0 = finished or stopped on request;
/// hr 1 (<see cref="MmsHResult.EntryFinished"/>) = playlist entry finished, a ReportStreamChange follows.
/// </summary>
public readonly record struct ReportEndOfStreamMessage(uint HResult, uint PlayIncarnation) : IMmstMessage<ReportEndOfStreamMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReportEndOfStream;

    public int BodyLength => 8;

    public static ReportEndOfStreamMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportEndOfStream");
        return new ReportEndOfStreamMessage(
            reader.ReadUInt32("hr"),
            reader.ReadUInt32("playIncarnation"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
