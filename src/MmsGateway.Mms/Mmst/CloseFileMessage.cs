using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x0003000D LinkViewerToMacCloseFile (docs/protocol/mmst.md#s1.5.10): the server drops the session and closes
/// TCP; no answer. ffmpeg and vlc send (1, 1); libmms never sends it, so a TCP close must end a session too.
/// </summary>
public readonly record struct CloseFileMessage(uint PlayIncarnation, uint OpenFileId) : IMmstMessage<CloseFileMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.CloseFile;

    public int BodyLength => 8;

    public static CloseFileMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "CloseFile");
        return new CloseFileMessage(
            reader.ReadUInt32("playIncarnation"),
            reader.ReadUInt32("openFileId"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(OpenFileId);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
