using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00030001 LinkViewerToMacConnect (docs/protocol/mmst.md#s1.5.1, MS-MMSP 2.2.4.17): the first client message.
/// </summary>
/// <param name="PlayIncarnation">0xF0F0F0EF / 0xF0F0F0F0 per spec; every open client sends 0, so accept anything.</param>
public readonly record struct ConnectMessage(
    uint PlayIncarnation,
    uint MacToViewerProtocolRevision,
    uint ViewerToMacProtocolRevision,
    string SubscriberName) : IMmstMessage<ConnectMessage>
{
    public const uint NoPacketPair = 0xF0F0_F0EF;
    public const uint RequestPacketPair = 0xF0F0_F0F0;
    public const uint DefaultMacToViewerRevision = 0x0004_000B;
    public const uint DefaultViewerToMacRevision = 0x0003_001C;

    public static MmstMessageId MessageId => MmstMessageId.Connect;

    public int BodyLength => 12 + MmstText.Utf16ByteCountWithNul(SubscriberName);

    /// <summary>The subscriberName split into product, version, client GUID and host.</summary>
    public MmstSubscriberName Subscriber => MmstSubscriberName.Parse(SubscriberName);

    /// <summary>What ffmpeg, vlc and libmms send (playIncarnation 0, standard revisions).</summary>
    public static ConnectMessage Create(string subscriberName, uint playIncarnation = 0) =>
        new(playIncarnation, DefaultMacToViewerRevision, DefaultViewerToMacRevision, subscriberName);

    public static ConnectMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "Connect");
        uint playIncarnation = reader.ReadUInt32("playIncarnation");
        uint macToViewer = reader.ReadUInt32("MacToViewerProtocolRevision");
        uint viewerToMac = reader.ReadUInt32("ViewerToMacProtocolRevision");
        // Proxies append NUL-separated HOST:/VIA: parts; the first NUL ends what is needed (docs/protocol/mmst.md#s1.5.1).
        string subscriberName = MmstText.ReadUtf16UntilNul(reader.ReadRest());
        return new ConnectMessage(playIncarnation, macToViewer, viewerToMac, subscriberName);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        writer.UInt32(PlayIncarnation);
        writer.UInt32(MacToViewerProtocolRevision);
        writer.UInt32(ViewerToMacProtocolRevision);
        writer.Utf16WithNul(SubscriberName);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
