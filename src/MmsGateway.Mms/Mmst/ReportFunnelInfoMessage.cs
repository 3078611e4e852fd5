using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040015 LinkMacToViewerReportFunnelInfo (docs/protocol/mmst.md#s1.5.3): the answer to FunnelInfo.
/// <see cref="Cubs"/> (nCubs) is the server-chosen session id the client echoes in MMSU resend requests (docs/protocol/mmsu.md#s1.8).
/// With packet-pair the body carries random filler sized so the whole TCP packet is 512 bytes (MS-MMSP 3.2.5.4).
/// </summary>
public readonly record struct ReportFunnelInfoMessage(
    uint HResult,
    uint PlayIncarnation,
    uint TransportMask,
    uint BlockFragments,
    uint FragmentBytes,
    uint Cubs,
    uint FailedCubs,
    uint Disks,
    uint Decluster,
    uint CubddDatagramSize,
    ReadOnlyMemory<byte> PacketPairFiller) : IMmstMessage<ReportFunnelInfoMessage>
{
    private const int FixedLength = 40;

    public static MmstMessageId MessageId => MmstMessageId.ReportFunnelInfo;

    public int BodyLength => FixedLength + PacketPairFiller.Length;

    /// <summary>The recommended answer without packet-pair (docs/protocol/servers.md#s3.1.4).</summary>
    public static ReportFunnelInfoMessage Create(uint sessionId) => new(
        MmsHResult.Ok, FunnelInfoMessage.NoPacketPair, 8, 1, 0x0001_0000, sessionId, 0, 1, 0, 0,
        ReadOnlyMemory<byte>.Empty);

    public static ReportFunnelInfoMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportFunnelInfo");
        return new ReportFunnelInfoMessage(
            reader.ReadUInt32("hr"),
            reader.ReadUInt32("playIncarnation"),
            reader.ReadUInt32("transportMask"),
            reader.ReadUInt32("nBlockFragments"),
            reader.ReadUInt32("fragmentBytes"),
            reader.ReadUInt32("nCubs"),
            reader.ReadUInt32("failedCubs"),
            reader.ReadUInt32("nDisks"),
            reader.ReadUInt32("decluster"),
            reader.ReadUInt32("cubddDatagramSize"),
            MmstBodyReader.Copy(reader.ReadRest()));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(TransportMask);
        writer.UInt32(BlockFragments);
        writer.UInt32(FragmentBytes);
        writer.UInt32(Cubs);
        writer.UInt32(FailedCubs);
        writer.UInt32(Disks);
        writer.UInt32(Decluster);
        writer.UInt32(CubddDatagramSize);
        writer.Bytes(PacketPairFiller.Span);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
