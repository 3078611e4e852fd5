using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040001 LinkMacToViewerReportConnectedEX (docs/protocol/mmst.md#s1.5.2): the answer to Connect. vlc needs at least 96
/// absolute bytes (the four string counts present) and bounds-checks the strings; the counts are UTF-16
/// characters including the NUL, 0 for an absent string.
/// </summary>
/// <param name="AuthenPackage"><c>BASIC</c>, <c>NTLM</c> or empty for no authentication.</param>
public readonly record struct ReportConnectedExMessage(
    uint HResult,
    uint PlayIncarnation,
    uint MacToViewerProtocolRevision,
    uint ViewerToMacProtocolRevision,
    double BlockGroupPlayTime,
    uint BlockGroupBlocks,
    uint MaxOpenFiles,
    uint BlockMaxBytes,
    uint MaxBitRate,
    string ServerVersionInfo,
    string VersionInfo,
    string VersionUrl,
    string AuthenPackage) : IMmstMessage<ReportConnectedExMessage>
{
    private const int FixedLength = 56;

    public static MmstMessageId MessageId => MmstMessageId.ReportConnectedEx;

    public int BodyLength => FixedLength + (2 * (
        MmstText.Utf16CharCountWithNul(ServerVersionInfo) + MmstText.Utf16CharCountWithNul(VersionInfo)
        + MmstText.Utf16CharCountWithNul(VersionUrl) + MmstText.Utf16CharCountWithNul(AuthenPackage)));

    /// <summary>The recommended server answer of docs/protocol/servers.md#s3.1: hr 0, no packet-pair, no authentication.</summary>
    public static ReportConnectedExMessage Create(string serverVersionInfo = "9.1.1.0") => new(
        MmsHResult.Ok, ConnectMessage.NoPacketPair, ConnectMessage.DefaultMacToViewerRevision,
        ConnectMessage.DefaultViewerToMacRevision, 1.0, 1, 1, 0x8000, 10_000_000,
        serverVersionInfo, string.Empty, string.Empty, string.Empty);

    public static ReportConnectedExMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportConnectedEX");
        uint hr = reader.ReadUInt32("hr");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");
        uint macToViewer = reader.ReadUInt32("MacToViewerProtocolRevision");
        uint viewerToMac = reader.ReadUInt32("ViewerToMacProtocolRevision");
        double blockGroupPlayTime = reader.ReadDouble("blockGroupPlayTime");
        uint blockGroupBlocks = reader.ReadUInt32("blockGroupBlocks");
        uint maxOpenFiles = reader.ReadUInt32("nMaxOpenFiles");
        uint blockMaxBytes = reader.ReadUInt32("nBlockMaxBytes");
        uint maxBitRate = reader.ReadUInt32("maxBitRate");
        uint serverVersionChars = reader.ReadUInt32("cbServerVersionInfo");
        uint versionChars = reader.ReadUInt32("cbVersionInfo");
        uint versionUrlChars = reader.ReadUInt32("cbVersionUrl");
        uint authenPackageChars = reader.ReadUInt32("cbAuthenPackage");
        string serverVersion = ReadString(ref reader, serverVersionChars, "ServerVersionInfo");
        string version = ReadString(ref reader, versionChars, "VersionInfo");
        string versionUrl = ReadString(ref reader, versionUrlChars, "VersionUrl");
        string authenPackage = ReadString(ref reader, authenPackageChars, "AuthenPackage");
        return new ReportConnectedExMessage(hr, playIncarnation, macToViewer, viewerToMac, blockGroupPlayTime,
            blockGroupBlocks, maxOpenFiles, blockMaxBytes, maxBitRate, serverVersion, version, versionUrl, authenPackage);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(HResult);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(MacToViewerProtocolRevision);
        writer.UInt32(ViewerToMacProtocolRevision);
        writer.Double(BlockGroupPlayTime);
        writer.UInt32(BlockGroupBlocks);
        writer.UInt32(MaxOpenFiles);
        writer.UInt32(BlockMaxBytes);
        writer.UInt32(MaxBitRate);
        writer.UInt32((uint)MmstText.Utf16CharCountWithNul(ServerVersionInfo));
        writer.UInt32((uint)MmstText.Utf16CharCountWithNul(VersionInfo));
        writer.UInt32((uint)MmstText.Utf16CharCountWithNul(VersionUrl));
        writer.UInt32((uint)MmstText.Utf16CharCountWithNul(AuthenPackage));
        WriteString(ref writer, ServerVersionInfo);
        WriteString(ref writer, VersionInfo);
        WriteString(ref writer, VersionUrl);
        WriteString(ref writer, AuthenPackage);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);

    private static string ReadString(ref MmstBodyReader reader, uint chars, string field) =>
        MmstText.ReadUtf16UntilNul(reader.ReadBytes(2L * chars, field));

    private static void WriteString(ref MmstBodyWriter writer, string value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.Utf16WithNul(value);
        }
    }
}
