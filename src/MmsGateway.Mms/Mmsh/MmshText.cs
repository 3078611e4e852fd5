using System.Buffers;
using System.Text;

namespace MmsGateway.Mms.Mmsh;

internal static class MmshText
{
    public const string LineEnd = "\r\n";

    public static void WriteAscii(IBufferWriter<byte> writer, string text)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int length = Encoding.ASCII.GetByteCount(text);
        int written = Encoding.ASCII.GetBytes(text, writer.GetSpan(length));
        writer.Advance(written);
    }

    /// <summary>Refuses values that would break the head apart (header injection) or that ASCII cannot carry.</summary>
    public static string CheckHeaderValue(string value, string parameter)
    {
        ArgumentNullException.ThrowIfNull(value, parameter);
        foreach (char c in value)
        {
            if (c is '\r' or '\n' or '\0' || c > 0x7E)
            {
                throw new ArgumentException($"'{value}' cannot be written into an HTTP head.", parameter);
            }
        }

        return value;
    }
}
