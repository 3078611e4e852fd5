using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040006 LinkMacToViewerReportOpenFile (docs/protocol/mmst.md#s1.5.6): describes the opened content in a 120-byte message
/// (116 bytes + 4 padding, chunkLen 15). The zero fields (padding, fileName, unused1, unused2) are not modelled.
/// </summary>
/// <param name="OpenFileId">Always 1: vlc accepts only 1 or 2 and the other clients hard-code 1.</param>
/// <param name="Duration">Seconds; 0 for live or unknown.</param>
/// <param name="FileBlocks">Duration in whole seconds rounded up.</param>
/// <param name="PacketSize">Maximum ASF data packet size.</param>
/// <param name="PacketCount">ASF data packets; 0 when unknown.</param>
/// <param name="BitRate">Sum of the streams' maximum bitrates (bps).</param>
/// <param name="HeaderSize">Exact ASF file header size (Header Object + 50): vlc reads header pieces until it has it.</param>
public readonly record struct ReportOpenFileMessage(
    uint HResult,
    uint PlayIncarnation,
    uint OpenFileId,
    MmstFileAttributes Attributes,
    double Duration,
    uint FileBlocks,
    uint PacketSize,
    ulong PacketCount,
    uint BitRate,
    uint HeaderSize) : IMmstMessage<ReportOpenFileMessage>
{
    /// <summary>Through unused2 (message offset 116); the message itself is then padded to 120.</summary>
    private const int FullBodyLength = 108;

    public static MmstMessageId MessageId => MmstMessageId.ReportOpenFile;

    public int BodyLength => FullBodyLength;

    public bool IsBroadcast => (Attributes & MmstFileAttributes.Broadcast) != 0;

    /// <summary>A successful answer with openFileId 1 and fileBlocks derived from the duration (docs/protocol/servers.md#s3.1).</summary>
    public static ReportOpenFileMessage Create(uint playIncarnation, MmstFileAttributes attributes, double duration,
        uint packetSize, ulong packetCount, uint bitRate, uint headerSize) => new(
        MmsHResult.Ok, playIncarnation, 1, attributes, duration, (uint)Math.Ceiling(Math.Max(0, duration)),
        packetSize, packetCount, bitRate, headerSize);

    /// <summary>A failed open: only hr and the echoed incarnation matter (ffmpeg, vlc and libmms abort).</summary>
    public static ReportOpenFileMessage Failed(uint hr, uint playIncarnation) =>
        new(hr, playIncarnation, 0, MmstFileAttributes.None, 0, 0, 0, 0, 0, 0);

    public static ReportOpenFileMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportOpenFile");
        uint hr = reader.ReadUInt32("hr");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");
        uint openFileId = reader.ReadUInt32("openFileId");
        reader.Skip(4, "padding");
        reader.Skip(4, "fileName");
        var attributes = (MmstFileAttributes)reader.ReadUInt32("fileAttributes");
        double duration = reader.ReadDouble("fileDuration");
        uint fileBlocks = reader.ReadUInt32("fileBlocks");
        reader.Skip(16, "unused1");
        uint packetSize = reader.ReadUInt32("filePacketSize");
        ulong packetCount = reader.ReadUInt64("filePacketCount");
        uint bitRate = reader.ReadUInt32("fileBitRate");
        uint headerSize = reader.ReadUInt32("fileHeaderSize");
        // unused2 is not required: vlc itself accepts the message once fileHeaderSize is present.
        return new ReportOpenFileMessage(hr, playIncarnation, openFileId, attributes, duration, fileBlocks,
            packetSize, packetCount, bitRate, headerSize);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(OpenFileId);
        writer.Zeros(8); // padding, fileName
        writer.UInt32((uint)Attributes);
        writer.Double(Duration);
        writer.UInt32(FileBlocks);
        writer.Zeros(16); // unused1
        writer.UInt32(PacketSize);
        writer.UInt64(PacketCount);
        writer.UInt32(BitRate);
        writer.UInt32(HeaderSize);
        writer.Zeros(36); // unused2
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
