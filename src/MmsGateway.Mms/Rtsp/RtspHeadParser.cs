using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Reads RTSP message heads: client requests, responses and server-to-client requests share one grammar
/// (RFC 2326 6, 7; docs/protocol/rtsp.md#s2, docs/protocol/rtsp.md#s5.1). Lines end in CRLF or a bare LF; empty
/// lines before the start line are skipped (they separate messages). The head is bounded by
/// <see cref="RtspLimits.MaxHeadBytes"/> and <see cref="RtspLimits.MaxHeaderCount"/>.
/// </summary>
public static class RtspHeadParser
{
    /// <summary>
    /// False (reader unchanged) while the head is incomplete; on true the reader is positioned at the body.
    /// Throws <see cref="MmsProtocolException"/> for a malformed or oversized head.
    /// </summary>
    public static bool TryParse(ref SequenceReader<byte> reader, RtspLimits limits,
        [NotNullWhen(true)] out RtspMessageHead? head)
    {
        ArgumentNullException.ThrowIfNull(limits);
        head = null;
        long start = reader.Consumed;
        string? startLine = null;
        var fields = new List<KeyValuePair<string, string>>();
        StringBuilder? folded = null;
        int lines = 0;
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                if (reader.Consumed - start + reader.Remaining > limits.MaxHeadBytes)
                {
                    throw new MmsProtocolException(
                        $"RTSP head exceeds {limits.MaxHeadBytes} bytes without ending.", start + limits.MaxHeadBytes);
                }

                reader.Rewind(reader.Consumed - start);
                return false;
            }

            if (reader.Consumed - start > limits.MaxHeadBytes)
            {
                throw new MmsProtocolException($"RTSP head exceeds {limits.MaxHeadBytes} bytes.", start + limits.MaxHeadBytes);
            }

            string text = Decode(line);
            if (text.Length == 0)
            {
                if (startLine is null) continue;
                break;
            }

            if (startLine is null)
            {
                startLine = text;
                continue;
            }

            if (++lines > limits.MaxHeaderCount)
            {
                throw new MmsProtocolException($"RTSP head has more than {limits.MaxHeaderCount} header lines.", reader.Consumed);
            }

            if (text[0] is ' ' or '\t')
            {
                // Obsolete line folding (RFC 2616 2.2): joined with one space, in a builder so that many folded
                // lines cost their length, not its square.
                if (fields.Count == 0)
                {
                    throw new MmsProtocolException("RTSP head continues a header line before any header.", reader.Consumed);
                }

                folded ??= new StringBuilder(fields[^1].Value);
                folded.Append(' ').Append(text.AsSpan().Trim(" \t"));
                continue;
            }

            Unfold(fields, ref folded);

            int colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(text.AsSpan(0, colon)))
            {
                throw new MmsProtocolException(
                    $"RTSP header line is not 'Name: value': \"{RtspSessionHeader.Shorten(text)}\".", reader.Consumed);
            }

            fields.Add(new(text[..colon], text[(colon + 1)..].Trim(' ', '\t')));
        }

        Unfold(fields, ref folded);
        head = Build(startLine, new RtspHeaders(fields), limits, start);
        return true;
    }

    private static void Unfold(List<KeyValuePair<string, string>> fields, ref StringBuilder? folded)
    {
        if (folded is null) return;
        fields[^1] = new(fields[^1].Key, folded.ToString().Trim());
        folded = null;
    }

    /// <summary>
    /// A whole message: head and its <c>Content-Length</c> body. False (reader unchanged) until both are there.
    /// <paramref name="body"/> is a slice of the reader's sequence, valid as long as that buffer is.
    /// </summary>
    public static bool TryParseMessage(ref SequenceReader<byte> reader, RtspLimits limits,
        [NotNullWhen(true)] out RtspMessageHead? head, out ReadOnlySequence<byte> body)
    {
        body = default;
        long start = reader.Consumed;
        if (!TryParse(ref reader, limits, out head)) return false;
        if (reader.Remaining < head.ContentLength)
        {
            reader.Rewind(reader.Consumed - start);
            head = null;
            return false;
        }

        body = reader.UnreadSequence.Slice(0, head.ContentLength);
        reader.Advance(head.ContentLength);
        return true;
    }

    private static RtspMessageHead Build(string startLine, RtspHeaders headers, RtspLimits limits, long offset)
    {
        int cseq = -1;
        if (headers["CSeq"] is string cseqText)
        {
            if (!int.TryParse(cseqText, NumberStyles.None, CultureInfo.InvariantCulture, out cseq))
            {
                throw new MmsProtocolException($"RTSP CSeq is not a number: \"{RtspSessionHeader.Shorten(cseqText)}\".", offset);
            }
        }

        int contentLength = 0;
        if (headers["Content-Length"] is string lengthText)
        {
            if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength))
            {
                throw new MmsProtocolException($"RTSP Content-Length is not a number: \"{RtspSessionHeader.Shorten(lengthText)}\".", offset);
            }

            if (contentLength > limits.MaxContentLength)
            {
                throw new MmsProtocolException(
                    $"RTSP Content-Length {contentLength} exceeds the limit of {limits.MaxContentLength} bytes.", offset);
            }
        }

        RtspSessionHeader? session = headers["Session"] is string sessionText ? RtspSessionHeader.Parse(sessionText) : null;
        int? cseqValue = cseq >= 0 ? cseq : null;

        if (startLine.StartsWith("RTSP/", StringComparison.Ordinal))
        {
            // RTSP/1.0 SP 3DIGIT SP reason (RFC 2326 7.1); a missing reason is tolerated.
            int sp = startLine.IndexOf(' ', StringComparison.Ordinal);
            if (sp < 0) throw BadStartLine(startLine, offset);
            string version = startLine[..sp];
            string rest = startLine[(sp + 1)..].TrimStart(' ');
            int sp2 = rest.IndexOf(' ', StringComparison.Ordinal);
            string code = sp2 < 0 ? rest : rest[..sp2];
            if (code.Length != 3 || !int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out int status) || status < 100)
            {
                throw BadStartLine(startLine, offset);
            }

            return new RtspMessageHead
            {
                Kind = RtspMessageKind.Response, Version = version, StatusCode = status,
                ReasonPhrase = sp2 < 0 ? string.Empty : rest[(sp2 + 1)..].Trim(),
                Headers = headers, CSeq = cseqValue, ContentLength = contentLength, Session = session,
            };
        }

        // Method SP Request-URI SP RTSP-Version (RFC 2326 6.1).
        string[] parts = startLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || !IsToken(parts[0]) || !parts[2].StartsWith("RTSP/", StringComparison.Ordinal)
            || parts[1].Any(c => c < ' ' || c == 0x7F))
        {
            throw BadStartLine(startLine, offset);
        }

        return new RtspMessageHead
        {
            Kind = RtspMessageKind.Request, Method = parts[0], Uri = parts[1], Version = parts[2],
            Headers = headers, CSeq = cseqValue, ContentLength = contentLength, Session = session,
        };
    }

    private static MmsProtocolException BadStartLine(string line, long offset) =>
        new($"RTSP start line is neither a request nor a status line: \"{RtspSessionHeader.Shorten(line)}\".", offset);

    private static string Decode(ReadOnlySequence<byte> line)
    {
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r') line = line.Slice(0, line.Length - 1);

        // RTSP text is UTF-8 (RFC 2326 4); invalid bytes become U+FFFD, so no byte sequence makes decoding throw.
        return Encoding.UTF8.GetString(line);
    }

    internal static bool IsToken(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c <= ' ' || c >= 0x7F || "\"(),/:;<=>?@[\\]{}".Contains(c)) return false;
        }

        return !text.IsEmpty;
    }
}
