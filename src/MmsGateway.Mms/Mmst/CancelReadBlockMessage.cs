using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030025 LinkViewerToMacCancelReadBlock (docs/protocol/mmst.md#s1.5.10): stop sending header pieces; no
/// answer. MMSU clients send it when their Header timer fires (docs/protocol/mmsu.md#s1.8).
/// </summary>
public readonly record struct CancelReadBlockMessage(uint PlayIncarnation) : IMmstMessage<CancelReadBlockMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.CancelReadBlock;

    public int BodyLength => 4;

    public static CancelReadBlockMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "CancelReadBlock");
        return new CancelReadBlockMessage(
            reader.ReadUInt32("playIncarnation"));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(PlayIncarnation);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
