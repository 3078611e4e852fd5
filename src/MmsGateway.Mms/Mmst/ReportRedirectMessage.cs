using System.Buffers;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// 0x00040022 LinkMacToViewerReportRedirect (docs/protocol/mmst.md#s1.5.11): go elsewhere; the server closes the connection
/// after it. <see cref="Location"/> is a URL (mms/mmsu = UDP data, mmst = TCP; default port 1755), not
/// percent-encoded. None of ffmpeg, vlc and libmms handle it.
/// </summary>
/// <param name="RedirectType">1 = other URL, 2 = use / stop using a proxy.</param>
public readonly record struct ReportRedirectMessage(uint HResult, ushort RedirectType, string Location)
    : IMmstMessage<ReportRedirectMessage>
{
    public const ushort OtherUrl = 1;
    public const ushort Proxy = 2;

    public static MmstMessageId MessageId => MmstMessageId.ReportRedirect;

    public int BodyLength => 8 + MmstText.Utf16ByteCountWithNul(Location);

    public static ReportRedirectMessage Read(ReadOnlySpan<byte> body)
    {
        var reader = new MmstBodyReader(body, "ReportRedirect");
        uint hr = reader.ReadUInt32("hr");
        ushort type = reader.ReadUInt16("RedirectType");
        ushort locationBytes = reader.ReadUInt16("cbLocation"); // bytes, NUL included
        string location = MmstText.ReadUtf16UntilNul(reader.ReadBytes(locationBytes, "wszLocation"));
        return new ReportRedirectMessage(hr, type, location);
    }

    public void WriteBody(Span<byte> body)
    {
        var writer = new MmstBodyWriter(body);
        int locationBytes = MmstText.Utf16ByteCountWithNul(Location);
        if (locationBytes > ushort.MaxValue)
        {
            throw new InvalidOperationException("A redirect location is limited to 32767 characters.");
        }

        writer.UInt32(HResult);
        writer.UInt16(RedirectType);
        writer.UInt16((ushort)locationBytes);
        writer.Utf16WithNul(Location);
    }

    public void Write(IBufferWriter<byte> writer, int seq) => MmstMessageWriter.Write(writer, this, seq);
}
