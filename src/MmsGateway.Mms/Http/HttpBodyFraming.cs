namespace MmsGateway.Mms.Http;

/// <summary>How the bytes after an HTTP response head are delimited (RFC 9112 §6.3).</summary>
internal enum HttpBodyFraming
{
    /// <summary>No HTTP: every received byte is body (MMST, and the MMSH response head itself).</summary>
    Raw,

    /// <summary>HTTP/1.0 style: the body ends when the server closes (MMSH Play, docs/protocol/mmsh.md#s2.7).</summary>
    CloseDelimited,

    /// <summary>Content-Length bytes (MMSH Describe, docs/protocol/mmsh.md#s2.6).</summary>
    ContentLength,

    /// <summary>HTTP/1.1 chunked transfer coding; chunk boundaries need not match <c>$</c> packets (docs/protocol/mmsh.md#s2.7).</summary>
    Chunked,
}
