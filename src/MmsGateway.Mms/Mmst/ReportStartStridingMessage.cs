using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x0004000A LinkMacToViewerReportStartStriding (docs/protocol/mmst.md#s1.5.9): the answer to StartStriding.
/// </summary>
public readonly record struct ReportStartStridingMessage(uint HResult, uint PlayIncarnation, uint Spare) : IMmstMessage<ReportStartStridingMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReportStartStriding;

    public int BodyLength => 12;

    public static ReportStartStridingMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportStartStriding");
        return new ReportStartStridingMessage(
            reader.ReadUInt32("hr"),
            reader.ReadUInt32("playIncarnation"),
            reader.ReadUInt32("spare"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(Spare);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
