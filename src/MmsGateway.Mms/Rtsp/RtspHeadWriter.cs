using System.Buffers;
using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Formats RTSP request and response heads, and their body, into a buffer: CRLF line ends, <c>Content-Length</c>
/// set from the body (docs/protocol/rtsp.md#s2.8). <c>CSeq</c> and every other field come from the caller's headers,
/// in their order. A field value with CR or LF is refused: it would split the head.
/// </summary>
public static class RtspHeadWriter
{
    public static int WriteRequest(IBufferWriter<byte> output, string method, string uri, RtspHeaders headers,
        ReadOnlySpan<byte> body = default)
    {
        if (!RtspHeadParser.IsToken(method)) throw new ArgumentException($"\"{method}\" is not an RTSP method token.", nameof(method));
        if (uri.Length == 0 || uri.Any(c => c <= ' ')) throw new ArgumentException("The request URI is empty or has spaces.", nameof(uri));
        return WriteHead(output, $"{method} {uri} RTSP/1.0", headers, body);
    }

    public static int WriteResponse(IBufferWriter<byte> output, int statusCode, string? reasonPhrase, RtspHeaders headers,
        ReadOnlySpan<byte> body = default)
    {
        if (statusCode is < 100 or > 999) throw new ArgumentOutOfRangeException(nameof(statusCode));
        string reason = reasonPhrase ?? ReasonPhrase(statusCode);
        CheckValue(reason);
        return WriteHead(output, string.Create(CultureInfo.InvariantCulture, $"RTSP/1.0 {statusCode} {reason}"), headers, body);
    }

    /// <summary>Formats a parsed head again (with the given body), e.g. to relay or to test a round trip.</summary>
    public static int Write(IBufferWriter<byte> output, RtspMessageHead head, ReadOnlySpan<byte> body = default) =>
        head.IsRequest
            ? WriteRequest(output, head.Method, head.Uri, head.Headers, body)
            : WriteResponse(output, head.StatusCode, head.ReasonPhrase, head.Headers, body);

    /// <summary>The RFC 2326 7.1.1 reason phrase of a status code (MS-RTSP uses no others).</summary>
    public static string ReasonPhrase(int statusCode) => statusCode switch
    {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        250 => "Low on Storage Space",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        415 => "Unsupported Media Type",
        451 => "Parameter Not Understood",
        452 => "Conference Not Found",
        453 => "Not Enough Bandwidth",
        454 => "Session Not Found",
        455 => "Method Not Valid in This State",
        456 => "Header Field Not Valid for Resource",
        457 => "Invalid Range",
        458 => "Parameter Is Read-Only",
        459 => "Aggregate operation not allowed",
        460 => "Only aggregate operation allowed",
        461 => "Unsupported transport",
        462 => "Destination unreachable",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "RTSP Version not supported",
        551 => "Option not supported",
        _ => "Unknown",
    };

    private static int WriteHead(IBufferWriter<byte> output, string startLine, RtspHeaders headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headers);
        var text = new StringBuilder(256).Append(startLine).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            if (!RtspHeadParser.IsToken(name)) throw new ArgumentException($"\"{name}\" is not a header name.", nameof(headers));
            CheckValue(value);
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (!body.IsEmpty) text.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("\r\n");

        string head = text.ToString();
        int headBytes = Encoding.UTF8.GetByteCount(head);
        Span<byte> span = output.GetSpan(headBytes + body.Length);
        int written = Encoding.UTF8.GetBytes(head, span);
        body.CopyTo(span[written..]);
        output.Advance(written + body.Length);
        return written + body.Length;
    }

    private static void CheckValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new ArgumentException("A header value contains CR or LF.", nameof(value));
    }
}
