using System.Buffers;

namespace MmsGateway.Mms.Mmst;

public enum MmstPacketPairRequest
{
    None,
    Standard,
    HighEntropyTcp,
    HighEntropyUdp,
}

/// <summary>
/// 0x00030018 LinkViewerToMacFunnelInfo (docs/protocol/mmst.md#s1.5.3, MS-MMSP 2.2.4.19). Only ffmpeg sends it, with
/// playIncarnation 0x00F0F0F0 followed by an extra dword 0x0004000B; the extra dword is ignored.
/// </summary>
public readonly record struct FunnelInfoMessage(uint PlayIncarnation) : IMmstMessage<FunnelInfoMessage>
{
    public const uint NoPacketPair = 0xF0F0_F0EF;
    public const uint PacketPair = 0xF0F0_F0F0;
    public const uint HighEntropyPacketPairTcp = 0xF0F0_F0F1;
    public const uint HighEntropyPacketPairUdp = 0xF0F0_F901;

    public static MmstMessageId MessageId => MmstMessageId.FunnelInfo;

    public int BodyLength => 4;

    /// <summary>Unknown values (ffmpeg's 0x00F0F0F0 among them) mean "no packet-pair".</summary>
    public MmstPacketPairRequest PacketPairRequest => PlayIncarnation switch
    {
        PacketPair => MmstPacketPairRequest.Standard,
        HighEntropyPacketPairTcp => MmstPacketPairRequest.HighEntropyTcp,
        HighEntropyPacketPairUdp => MmstPacketPairRequest.HighEntropyUdp,
        _ => MmstPacketPairRequest.None,
    };

    public static FunnelInfoMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "FunnelInfo");
        return new FunnelInfoMessage(reader.ReadUInt32("playIncarnation"));
    }

    public void WriteBody(Span<byte> body) => new MmstBodyWriter(body).UInt32(PlayIncarnation);

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
