using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x0004001B LinkMacToViewerPing (docs/protocol/mmst.md#s1.5.10): keep-alive sent after 30 s of silence. Param1 is
/// the dword at absolute offset 40; ffmpeg does not check it in this 48-byte packet, but a server sends 0 (docs/protocol/mmst.md#s1.4).
/// </summary>
public readonly record struct PingMessage(uint Param1, uint Param2) : IMmstMessage<PingMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.Ping;

    public int BodyLength => 8;

    public static PingMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "Ping");
        return new PingMessage(
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
