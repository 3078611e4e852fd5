using System.Buffers.Binary;
using System.Text;

namespace MmsGateway.Asf;

/// <summary>
/// A little-endian cursor over one ASF structure. Every read is bounds-checked and a short read throws
/// <see cref="AsfFormatException"/> naming the structure and the absolute offset, so a lying length field ends
/// in one clear error instead of an <see cref="ArgumentOutOfRangeException"/> or a huge allocation.
/// </summary>
internal ref struct AsfSpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _baseOffset;
    private readonly string _objectName;
    private int _position;

    public AsfSpanReader(ReadOnlySpan<byte> data, long baseOffset, string objectName)
    {
        _data = data;
        _baseOffset = baseOffset;
        _objectName = objectName;
        _position = 0;
    }

    public readonly int Position => _position;
    public readonly int Remaining => _data.Length - _position;
    public readonly long AbsolutePosition => _baseOffset + _position;

    public AsfFormatException Error(string problem) => new(_objectName, AbsolutePosition, problem);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Error($"{field} needs {count} bytes but only {Remaining} remain");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public byte ReadByte(string field) => Take(1, field)[0];
    public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));
    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
    public Guid ReadGuid(string field) => new(Take(16, field));
    public ReadOnlySpan<byte> ReadBytes(int count, string field) => Take(count, field);
    public void Skip(int count, string field) => Take(count, field);

    /// <summary>A UTF-16LE string of <paramref name="byteLength"/> bytes, cut at the first NUL (docs/protocol/conventions.md#s0).</summary>
    public string ReadUtf16(int byteLength, string field) => DecodeUtf16(Take(byteLength, field));

    public static string DecodeUtf16(ReadOnlySpan<byte> bytes)
    {
        var length = bytes.Length & ~1;
        for (var i = 0; i + 1 < length; i += 2)
        {
            if (bytes[i] == 0 && bytes[i + 1] == 0)
            {
                length = i;
                break;
            }
        }
        return Encoding.Unicode.GetString(bytes[..length]);
    }
}
