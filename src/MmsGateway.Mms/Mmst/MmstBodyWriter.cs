using System.Buffers.Binary;

namespace MmsGateway.Mms.Mmst;

/// <summary>Sequential little-endian writes into a message body (zero-filled by the caller).</summary>
internal ref struct MmstBodyWriter
{
    private readonly Span<byte> _body;
    private int _position;

    public MmstBodyWriter(Span<byte> body)
    {
        _body = body;
        _position = 0;
    }

    public readonly int Position => _position;

    public void UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_body[_position..], value);
        _position += 4;
    }

    public void UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_body[_position..], value);
        _position += 8;
    }

    public void UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_body[_position..], value);
        _position += 2;
    }

    public void Double(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_body[_position..], value);
        _position += 8;
    }

    public void Zeros(int count)
    {
        _body.Slice(_position, count).Clear();
        _position += count;
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_body[_position..]);
        _position += value.Length;
    }

    /// <summary>UTF-16LE text followed by a UTF-16 NUL.</summary>
    public void Utf16WithNul(string value) => _position += MmstText.WriteUtf16WithNul(_body[_position..], value);
}
