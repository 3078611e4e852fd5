using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040021 LinkMacToViewerReportStreamSwitch (docs/protocol/mmst.md#s1.5.8): ffmpeg, vlc and libmms wait for it
/// before sending StartPlaying.
/// </summary>
public readonly record struct ReportStreamSwitchMessage(uint HResult) : IMmstMessage<ReportStreamSwitchMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ReportStreamSwitch;

    public int BodyLength => 4;

    public static ReportStreamSwitchMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportStreamSwitch");
        return new ReportStreamSwitchMessage(
            reader.ReadUInt32("hr"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
