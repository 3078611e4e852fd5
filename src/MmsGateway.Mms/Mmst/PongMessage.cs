using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x0003001B LinkViewerToMacPong (docs/protocol/mmst.md#s1.5.10): the answer to a Ping; no reply. Spec values are 0, 0;
/// ffmpeg sends 1 and 0x0100FFFF, so the values are not checked.
/// </summary>
public readonly record struct PongMessage(uint Param1, uint Param2) : IMmstMessage<PongMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.Pong;

    public int BodyLength => 8;

    public static PongMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "Pong");
        return new PongMessage(
            reader.ReadUInt32("dwParam1"),
            reader.ReadUInt32("dwParam2"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(Param1);
        writer.UInt32(Param2);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
