using System.Text;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// UTF-16LE strings of MMS messages (docs/protocol/conventions.md#s0): parsing always stops at the first UTF-16 NUL and ignores what
/// follows, because vlc appends junk after the NUL (docs/protocol/mmst.md#s1.5.4) and proxies append NUL-separated parts (docs/protocol/mmst.md#s1.5.1).
/// </summary>
public static class MmstText
{
    /// <summary>Bytes a string takes on the wire including its terminating NUL.</summary>
    public static int Utf16ByteCountWithNul(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return (value.Length + 1) * 2;
    }

    /// <summary>Characters including the NUL: the unit of the ConnectedEX counts (docs/protocol/mmst.md#s1.5.2).</summary>
    public static int Utf16CharCountWithNul(string value) => string.IsNullOrEmpty(value) ? 0 : value.Length + 1;

    public static int WriteUtf16WithNul(Span<byte> destination, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int written = Encoding.Unicode.GetBytes(value, destination);
        destination[written] = 0;
        destination[written + 1] = 0;
        return written + 2;
    }

    /// <summary>Decodes up to the first UTF-16 NUL (or the end; an odd last byte is dropped). Never throws.</summary>
    public static string ReadUtf16UntilNul(ReadOnlySpan<byte> source)
    {
        int end = source.Length & ~1;
        for (int i = 0; i < end; i += 2)
        {
            if (source[i] == 0 && source[i + 1] == 0)
            {
                end = i;
                break;
            }
        }

        return Encoding.Unicode.GetString(source[..end]);
    }

    /// <summary>Decodes single-byte text (Basic credentials, CLIENT_LOG) up to the first NUL.</summary>
    public static string ReadAsciiUntilNul(ReadOnlySpan<byte> source)
    {
        int nul = source.IndexOf((byte)0);
        return Encoding.Latin1.GetString(nul < 0 ? source : source[..nul]);
    }
}
