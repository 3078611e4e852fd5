using System.Buffers.Binary;
using System.Text;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// The encoded blocks of NSC files (docs/protocol/nsc.md#s7.2, [MS-MSB] 2.2.1): <c>"02"</c> followed by the 6-bit
/// characters of <c>CRC u8 | Key u32 | Length u32 | data</c>, where Key and Length are BIG-endian (the only
/// big-endian integers in the whole protocol family), CRC is the XOR of every byte after it, and the bits are
/// taken most significant first, the last group zero-padded.
/// </summary>
public static class NscEncodedBlock
{
    public const string Prefix = "02";

    /// <summary>CRC, Key and Length: the 9 bytes in front of the data.</summary>
    public const int HeaderSize = 9;

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz{}";

    private static readonly sbyte[] Values = BuildValues();

    /// <summary>Encodes <paramref name="data"/> with <paramref name="key"/> (an ASF header's format ID, else 0).</summary>
    public static string Encode(uint key, ReadOnlySpan<byte> data)
    {
        var block = new byte[HeaderSize + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan(1), key);
        BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan(5), (uint)data.Length);
        data.CopyTo(block.AsSpan(HeaderSize));
        block[0] = Xor(block.AsSpan(1));

        var text = new StringBuilder(Prefix, Prefix.Length + CharCount(block.Length));
        int bits = 0;
        int pending = 0;
        foreach (byte b in block)
        {
            pending = (pending << 8) | b;
            bits += 8;
            while (bits >= 6)
            {
                bits -= 6;
                text.Append(Alphabet[(pending >> bits) & 0x3F]);
            }

            pending &= (1 << bits) - 1;
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(pending << (6 - bits)) & 0x3F]);
        }

        return text.ToString();
    }

    /// <summary>A string value: its UTF-16LE bytes including the terminating NUL, Key 0.</summary>
    public static string EncodeString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Encode(0, Encoding.Unicode.GetBytes(value + "\0"));
    }

    /// <summary>True when the value has the shape of an encoded block: "02" then only alphabet characters.</summary>
    public static bool LooksEncoded(ReadOnlySpan<char> value)
    {
        if (value.Length <= Prefix.Length || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in value[Prefix.Length..])
        {
            if (c >= Values.Length || Values[c] < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Decodes a block. Throws <see cref="PlaylistFormatException"/> for a missing prefix, a character outside the
    /// alphabet, a Length that overruns the block, characters left over after it, or a CRC mismatch.
    /// </summary>
    public static (uint Key, byte[] Data) Decode(ReadOnlySpan<char> encoded)
    {
        if (!encoded.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new PlaylistFormatException("NSC encoded block does not start with \"02\".");
        }

        ReadOnlySpan<char> chars = encoded[Prefix.Length..];
        var block = new byte[chars.Length * 6 / 8];
        int bits = 0;
        int pending = 0;
        int length = 0;
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            int value = c < Values.Length ? Values[c] : -1;
            if (value < 0)
            {
                throw new PlaylistFormatException(
                    $"NSC encoded block: character '{Printable(c)}' at position {i + Prefix.Length} is not in the alphabet.");
            }

            pending = (pending << 6) | value;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                block[length++] = (byte)(pending >> bits);
                pending &= (1 << bits) - 1;
            }
        }

        if (block.Length < HeaderSize)
        {
            throw new PlaylistFormatException($"NSC encoded block: {block.Length} bytes, fewer than the {HeaderSize}-byte header.");
        }

        uint key = BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(1));
        uint dataLength = BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(5));
        if (dataLength > block.Length - HeaderSize)
        {
            throw new PlaylistFormatException(
                $"NSC encoded block: Length {dataLength} overruns the {block.Length - HeaderSize} data bytes present.");
        }

        int expectedChars = CharCount(HeaderSize + (int)dataLength);
        if (chars.Length != expectedChars)
        {
            throw new PlaylistFormatException(
                $"NSC encoded block: {chars.Length} characters where Length {dataLength} needs {expectedChars}.");
        }

        ReadOnlySpan<byte> covered = block.AsSpan(1, HeaderSize - 1 + (int)dataLength);
        byte crc = Xor(covered);
        if (crc != block[0])
        {
            throw new PlaylistFormatException($"NSC encoded block: CRC 0x{block[0]:X2} does not match 0x{crc:X2}.");
        }

        return (key, block.AsSpan(HeaderSize, (int)dataLength).ToArray());
    }

    /// <summary>Decodes a string value: UTF-16LE, read up to its first NUL.</summary>
    public static string DecodeString(ReadOnlySpan<char> encoded)
    {
        (_, byte[] data) = Decode(encoded);
        if (data.Length % 2 != 0)
        {
            throw new PlaylistFormatException($"NSC encoded string: {data.Length} bytes is not whole UTF-16 characters.");
        }

        string text = Encoding.Unicode.GetString(data);
        int nul = text.IndexOf('\0', StringComparison.Ordinal);
        return nul >= 0 ? text[..nul] : text;
    }

    private static int CharCount(int byteCount) => (int)(((8L * byteCount) + 5) / 6);

    private static byte Xor(ReadOnlySpan<byte> bytes)
    {
        byte crc = 0;
        foreach (byte b in bytes)
        {
            crc ^= b;
        }

        return crc;
    }

    private static string Printable(char c) => char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();

    private static sbyte[] BuildValues()
    {
        var values = new sbyte[128];
        Array.Fill(values, (sbyte)-1);
        for (int i = 0; i < Alphabet.Length; i++)
        {
            values[Alphabet[i]] = (sbyte)i;
        }

        return values;
    }
}
