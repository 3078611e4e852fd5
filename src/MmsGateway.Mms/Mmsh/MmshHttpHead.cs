using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// Reads an HTTP/1.x message head (start line + header fields + empty line) with hard limits, so a peer that never
/// ends its head cannot make the parser buffer without bound. Shared by the request and response parsers.
/// </summary>
internal static class MmshHttpHead
{
    /// <summary>Largest head accepted. Real MMSH heads are under 1 KiB (docs/protocol/mmsh.md#s2.6, docs/protocol/mmsh.md#s2.7, docs/protocol/interop.md#s9).</summary>
    public const int MaxHeadLength = 16 * 1024;

    /// <summary>Most lines accepted, start line included.</summary>
    public const int MaxLines = 128;

    /// <summary>
    /// False (reader unchanged) while the head is incomplete; on true the reader is positioned at the body.
    /// Lines end in CRLF or a bare LF; obsolete line folding is joined with a space.
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, string what, out string startLine,
        [NotNullWhen(true)] out MmshHeaders? headers)
    {
        long start = reader.Consumed;
        var lines = new List<string>();
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                long pending = reader.Consumed - start + reader.Remaining;
                if (pending > MaxHeadLength)
                {
                    throw new MmsProtocolException(
                        $"{what} head exceeds {MaxHeadLength} bytes without ending (offset {start + MaxHeadLength}).",
                        start + MaxHeadLength);
                }

                reader.Rewind(reader.Consumed - start);
                startLine = string.Empty;
                headers = null;
                return false;
            }

            if (reader.Consumed - start > MaxHeadLength)
            {
                throw new MmsProtocolException(
                    $"{what} head exceeds {MaxHeadLength} bytes (offset {start + MaxHeadLength}).",
                    start + MaxHeadLength);
            }

            string text = Decode(line);
            if (text.Length == 0)
            {
                if (lines.Count == 0)
                {
                    // RFC 9112 2.2: ignore empty lines before the start line.
                    continue;
                }

                break;
            }

            if (lines.Count == MaxLines)
            {
                throw new MmsProtocolException(
                    $"{what} head has more than {MaxLines} lines (offset {reader.Consumed}).", reader.Consumed);
            }

            lines.Add(text);
        }

        startLine = lines[0];
        headers = ParseFields(lines, what, start);
        return true;
    }

    private static string Decode(ReadOnlySequence<byte> line)
    {
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        // Latin-1 maps every byte to one char: header bytes outside ASCII never throw.
        return Encoding.Latin1.GetString(line);
    }

    private static MmshHeaders ParseFields(List<string> lines, string what, long start)
    {
        var fields = new List<KeyValuePair<string, string>>(lines.Count - 1);
        for (int i = 1; i < lines.Count; i++)
        {
            string line = lines[i];
            if (line[0] is ' ' or '\t')
            {
                if (fields.Count == 0)
                {
                    throw new MmsProtocolException($"{what} head line {i + 1} continues no header field.", start);
                }

                KeyValuePair<string, string> last = fields[^1];
                fields[^1] = new(last.Key, (last.Value + " " + line.Trim(' ', '\t')).Trim());
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)))
            {
                throw new MmsProtocolException(
                    $"{what} head line {i + 1} is not a 'Name: value' header field: \"{Shorten(line)}\".", start);
            }

            fields.Add(new(line[..colon], line[(colon + 1)..].Trim(' ', '\t')));
        }

        return new MmshHeaders(fields);
    }

    internal static bool IsToken(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c <= ' ' || c >= 0x7F || "\"(),/:;<=>?@[\\]{}".Contains(c))
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }

    internal static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
