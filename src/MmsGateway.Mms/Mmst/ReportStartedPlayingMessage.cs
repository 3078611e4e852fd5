using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040005 LinkMacToViewerReportStartedPlaying (docs/protocol/mmst.md#s1.5.9): data packets follow, stamped with the
/// echoed <see cref="PlayIncarnation"/>. Twelve zero bytes end the 40-byte message.
/// </summary>
/// <param name="TigerFileId">The openFileId; ignored by clients.</param>
/// <param name="Unused1">0 or 0x40000000.</param>
public readonly record struct ReportStartedPlayingMessage(uint HResult, uint PlayIncarnation, uint TigerFileId, uint Unused1)
    : IMmstMessage<ReportStartedPlayingMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReportStartedPlaying;

    public int BodyLength => 28;

    public static ReportStartedPlayingMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportStartedPlaying");
        return new ReportStartedPlayingMessage(
            reader.ReadUInt32("hr"),
            reader.ReadUInt32("playIncarnation"),
            reader.ReadUInt32("tigerFileId"),
            reader.ReadUInt32("unused1"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(TigerFileId);
        writer.UInt32(Unused1);
        writer.Zeros(12);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
