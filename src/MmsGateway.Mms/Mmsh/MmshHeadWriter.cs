using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace MmsGateway.Mms.Mmsh;

/// <summary>
/// The lines of a server's HTTP/1.0 response head, written as ASCII into a buffer writer: the status line (always with
/// a reason phrase: libmms fails without one, docs/protocol/interop.md#s10.17), header fields, the empty line. Values are checked so
/// that none can break the head apart (header injection).
/// </summary>
internal static class MmshHeadWriter
{
    private const int MaxNumberLength = 20;

    public static void WriteStatusLine(IBufferWriter<byte> writer, int status, string reason)
    {
        MmshText.CheckHeaderValue(reason, nameof(reason));
        var span = writer.GetSpan(15 + reason.Length + 2);
        Utf8.TryWrite(span, CultureInfo.InvariantCulture, $"HTTP/1.0 {status:D3} ", out var written);
        written += Encoding.ASCII.GetBytes(reason, span[written..]);
        written += WriteLineEnd(span[written..]);
        writer.Advance(written);
    }

    public static void WriteField(IBufferWriter<byte> writer, string name, string value)
    {
        MmshText.CheckHeaderValue(value, nameof(value));
        var span = writer.GetSpan(name.Length + 2 + value.Length + 2);
        var written = WriteName(span, name);
        written += Encoding.ASCII.GetBytes(value, span[written..]);
        written += WriteLineEnd(span[written..]);
        writer.Advance(written);
    }

    public static void WriteField(IBufferWriter<byte> writer, string name, long value)
    {
        var span = writer.GetSpan(name.Length + 2 + MaxNumberLength + 2);
        var written = WriteName(span, name);
        Utf8.TryWrite(span[written..], CultureInfo.InvariantCulture, $"{value}", out var digits);
        written += digits;
        written += WriteLineEnd(span[written..]);
        writer.Advance(written);
    }

    /// <summary>The <c>Pragma</c> field of a streaming response (<see cref="MmshResponsePragma.TryWrite"/>).</summary>
    public static void WritePragma(IBufferWriter<byte> writer, MmshResponseInfo info)
    {
        var span = writer.GetSpan(8 + MmshResponsePragma.MaxLength(info) + 2);
        var written = WriteName(span, "Pragma");
        MmshResponsePragma.TryWrite(span[written..], info, out var value);
        written += value;
        written += WriteLineEnd(span[written..]);
        writer.Advance(written);
    }

    /// <summary>The <c>Pragma</c> field of an empty answer (<see cref="MmshResponsePragma.TryWriteEmpty"/>).</summary>
    public static void WriteEmptyPragma(IBufferWriter<byte> writer, MmshResponseInfo info)
    {
        var span = writer.GetSpan(8 + MmshResponsePragma.MaxLength(info) + 2);
        var written = WriteName(span, "Pragma");
        MmshResponsePragma.TryWriteEmpty(span[written..], info, out var value);
        written += value;
        written += WriteLineEnd(span[written..]);
        writer.Advance(written);
    }

    /// <summary>The empty line that ends the head.</summary>
    public static void WriteEnd(IBufferWriter<byte> writer)
    {
        writer.Advance(WriteLineEnd(writer.GetSpan(2)));
    }

    private static int WriteName(Span<byte> destination, string name)
    {
        var written = Encoding.ASCII.GetBytes(name, destination);
        destination[written++] = (byte)':';
        destination[written++] = (byte)' ';
        return written;
    }

    private static int WriteLineEnd(Span<byte> destination)
    {
        destination[0] = (byte)'\r';
        destination[1] = (byte)'\n';
        return 2;
    }
}
