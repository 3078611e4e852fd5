using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040020 LinkMacToViewerReportStreamChange (docs/protocol/mmst.md#s1.5.11): a server-side playlist moves to
/// the next entry; its header pieces follow with byte 4 = 0xFF. Client support is poor (vlc aborts, ffmpeg misreads),
/// so the test origin avoids it on MMST.
/// </summary>
public readonly record struct ReportStreamChangeMessage(uint HResult, uint TcpHeaderIncarnation, uint PacketSize, uint HeaderSize, uint BitRate, uint StreamId) : IMmstMessage<ReportStreamChangeMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReportStreamChange;

    public int BodyLength => 24;

    public static ReportStreamChangeMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportStreamChange");
        return new ReportStreamChangeMessage(
            reader.ReadUInt32("hr"),
            reader.ReadUInt32("dwTcpHdrIncarnation"),
            reader.ReadUInt32("cbPacketSize"),
            reader.ReadUInt32("cbHeaderSize"),
            reader.ReadUInt32("dwBitRate"),
            reader.ReadUInt32("dwStreamId"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(TcpHeaderIncarnation);
        writer.UInt32(PacketSize);
        writer.UInt32(HeaderSize);
        writer.UInt32(BitRate);
        writer.UInt32(StreamId);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
