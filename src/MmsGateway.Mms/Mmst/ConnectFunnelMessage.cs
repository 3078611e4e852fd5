using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030002 LinkViewerToMacConnectFunnel (docs/protocol/mmst.md#s1.5.4): chooses TCP or UDP for the data. vlc leaves junk
/// after the funnel name's NUL, so the name is read to the first NUL only.
/// </summary>
public readonly record struct ConnectFunnelMessage(
    uint PlayIncarnation,
    uint MaxBlockBytes,
    uint MaxFunnelBytes,
    uint MaxBitRate,
    uint FunnelMode,
    string FunnelName) : IMmstMessage<ConnectFunnelMessage>
{
    public static MmstMessageId MessageId => MmstMessageId.ConnectFunnel;

    public int BodyLength => 20 + MmstText.Utf16ByteCountWithNul(FunnelName);

    public MmstFunnelName Funnel => MmstFunnelName.Parse(FunnelName);

    /// <summary>The values ffmpeg and libmms send; <paramref name="funnel"/> names the client's local end.</summary>
    public static ConnectFunnelMessage Create(MmstFunnelName funnel) =>
        new(0, 0xFFFF_FFFF, 0, 10_000_000, 2, funnel.Format());

    public static ConnectFunnelMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ConnectFunnel");
        return new ConnectFunnelMessage(
            reader.ReadUInt32("playIncarnation"),
            reader.ReadUInt32("maxBlockBytes"),
            reader.ReadUInt32("maxFunnelBytes"),
            reader.ReadUInt32("maxBitRate"),
            reader.ReadUInt32("funnelMode"),
            MmstText.ReadUtf16UntilNul(reader.ReadRest()));
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(MaxBlockBytes);
        writer.UInt32(MaxFunnelBytes);
        writer.UInt32(MaxBitRate);
        writer.UInt32(FunnelMode);
        writer.Utf16WithNul(FunnelName);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
