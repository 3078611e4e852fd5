using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040002 LinkMacToViewerReportConnectedFunnel (docs/protocol/mmst.md#s1.5.4): the funnel was accepted.
/// </summary>
public readonly record struct ReportConnectedFunnelMessage(
    uint HResult,
    uint PlayIncarnation,
    uint PacketPayloadSize,
    string FunnelName) : IMmstMessage<ReportConnectedFunnelMessage>
{
    /// <summary>The fixed funnel name every server sends (MS-MMSP 2.2.4.2).</summary>
    public const string ServerFunnelName = "Funnel Of The Gods";

    public static MmstMessageId MessageId => MmstMessageId.ReportConnectedFunnel;

    public int BodyLength => 12 + MmstText.Utf16ByteCountWithNul(FunnelName);

    public static ReportConnectedFunnelMessage Accepted() => new(MmsHResult.Ok, 0, 0, ServerFunnelName);

    public static ReportConnectedFunnelMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportConnectedFunnel");
        return new ReportConnectedFunnelMessage(
            reader.ReadUInt32("hr"),
            reader.ReadUInt32("playIncarnation"),
            reader.ReadUInt32("packetPayloadSize"),
            MmstText.ReadUtf16UntilNul(reader.ReadRest()));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(PacketPayloadSize);
        writer.Utf16WithNul(FunnelName);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
