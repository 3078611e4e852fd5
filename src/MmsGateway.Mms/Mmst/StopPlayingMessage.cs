using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030009 LinkViewerToMacStopPlaying (docs/protocol/mmst.md#s1.5.10): stop sending data; answered by
/// ReportEndOfStream with hr 0 and this playIncarnation. Also how a client pauses; vlc sends (1, 0x001FFFFF).
/// </summary>
public readonly record struct StopPlayingMessage(uint OpenFileId, uint PlayIncarnation) : IMmstMessage<StopPlayingMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.StopPlaying;

    public int BodyLength => 8;

    public static StopPlayingMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "StopPlaying");
        return new StopPlayingMessage(
            reader.ReadUInt32("openFileId"),
            reader.ReadUInt32("playIncarnation"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(OpenFileId);
        writer.UInt32(PlayIncarnation);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
