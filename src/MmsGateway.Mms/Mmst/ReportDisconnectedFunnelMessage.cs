using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040003 LinkMacToViewerReportDisconnectedFunnel (docs/protocol/mmst.md#s1.5.4): the funnel (typically UDP) was
/// refused; vlc then falls back to TCP.
/// </summary>
public readonly record struct ReportDisconnectedFunnelMessage(uint HResult, uint PlayIncarnation) : IMmstMessage<ReportDisconnectedFunnelMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReportDisconnectedFunnel;

    public int BodyLength => 8;

    public static ReportDisconnectedFunnelMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportDisconnectedFunnel");
        return new ReportDisconnectedFunnelMessage(
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
