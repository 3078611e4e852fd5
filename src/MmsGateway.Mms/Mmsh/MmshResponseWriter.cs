using System.Buffers;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// The server side's response heads (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7, docs/protocol/servers.md#s3.2): HTTP/1.0 with a reason phrase (libmms fails
/// without one), Server, Cache-Control, Content-Type, the Pragma line with client-id, features and timeout
/// (<see cref="MmshResponsePragma"/>), and <c>Connection: close</c> — the body ends when the connection closes.
/// </summary>
/// <remarks>
/// Written whole by a server that owns its connection (the origin). A server behind an HTTP stack that writes the head
/// itself (the gateway behind Kestrel) sets the same values from <see cref="MmshResponseInfo.DefaultServer"/>,
/// <see cref="CacheControl"/>, the content types and <see cref="MmshResponsePragma.Format"/>.
/// </remarks>
public static class MmshResponseWriter
{
    public const string DescribeContentType = "application/vnd.ms.wms-hdr.asfv1";
    public const string PlayContentType = "application/x-mms-framed";

    /// <summary>Every MS-WMSP response is uncacheable: a proxy must not replay a session's answer to another client.</summary>
    public const string CacheControl = "no-cache";

    /// <summary>
    /// The Describe head. Its body is one <c>$H</c>, so Content-Length is 4 + 8 + header bytes; vlc ignores it and
    /// reads until the connection closes (docs/protocol/interop.md#s10.16).
    /// </summary>
    public static void WriteDescribe(IBufferWriter<byte> writer, MmshResponseInfo info, int asfHeaderLength)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(info);
        WriteCommon(writer, info, DescribeContentType);
        MmshHeadWriter.WriteField(writer, "Content-Length", MmshFraming.DataPrefixSize + asfHeaderLength);
        MmshHeadWriter.WritePragma(writer, info);
        WriteClose(writer);
    }

    /// <summary>The Play head: no Content-Length, the body is delimited by closing the connection.</summary>
    public static void WritePlay(IBufferWriter<byte> writer, MmshResponseInfo info)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(info);
        WriteCommon(writer, info, PlayContentType);
        MmshHeadWriter.WritePragma(writer, info);
        WriteClose(writer);
    }

    /// <summary>The empty 200 answer to KeepAlive, Log, Stop and SelectStream POSTs (docs/protocol/servers.md#s3.2.9).</summary>
    public static void WriteEmpty(IBufferWriter<byte> writer, MmshResponseInfo info)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(info);
        MmshHeadWriter.WriteStatusLine(writer, 200, "OK");
        MmshHeadWriter.WriteField(writer, "Server", info.Server);
        MmshHeadWriter.WriteField(writer, "Cache-Control", CacheControl);
        MmshHeadWriter.WriteEmptyPragma(writer, info);
        MmshHeadWriter.WriteField(writer, "Content-Length", 0);
        WriteClose(writer);
    }

    /// <summary>
    /// The head of any other answer whose body the server writes after it (an error text, a <c>[Reference]</c>
    /// redirector): no Pragma, since no session is involved.
    /// </summary>
    public static void WriteOther(IBufferWriter<byte> writer, int status, string reason, string contentType, long contentLength,
        string server = MmshResponseInfo.DefaultServer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        MmshHeadWriter.WriteStatusLine(writer, status, reason);
        MmshHeadWriter.WriteField(writer, "Server", server);
        MmshHeadWriter.WriteField(writer, "Content-Type", contentType);
        MmshHeadWriter.WriteField(writer, "Content-Length", contentLength);
        MmshHeadWriter.WriteField(writer, "Cache-Control", CacheControl);
        WriteClose(writer);
    }

    private static void WriteCommon(IBufferWriter<byte> writer, MmshResponseInfo info, string contentType)
    {
        MmshHeadWriter.WriteStatusLine(writer, 200, "OK");
        MmshHeadWriter.WriteField(writer, "Server", info.Server);
        MmshHeadWriter.WriteField(writer, "Cache-Control", CacheControl);
        MmshHeadWriter.WriteField(writer, "Content-Type", contentType);
    }

    private static void WriteClose(IBufferWriter<byte> writer)
    {
        MmshHeadWriter.WriteField(writer, "Connection", "close");
        MmshHeadWriter.WriteEnd(writer);
    }
}
