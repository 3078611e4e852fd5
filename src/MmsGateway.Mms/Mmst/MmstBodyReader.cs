using System.Buffers.Binary;

namespace MmsGateway.Mms.Mmst;

/// <summary>
/// Sequential little-endian reads over a message body that turn a short body into an
/// <see cref="MmsProtocolException"/> naming the message, the field and its message offset (body index + 8, the
/// convention of docs/protocol/conventions.md#s0).
/// </summary>
internal ref struct MmstBodyReader
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly string _message;
    private int _position;

    public MmstBodyReader(ReadOnlySpan<byte> body, string message)
    {
        _body = body;
        _message = message;
        _position = 0;
    }

    public readonly int Remaining => _body.Length - _position;

    public readonly int Position => _position;

    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public double ReadDouble(string field) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, field));

    /// <summary>An optional trailing dword: null when the body ends before it.</summary>
    public uint? ReadOptionalUInt32() =>
        Remaining >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Take(4, string.Empty)) : null;

    public ReadOnlySpan<byte> ReadBytes(long count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw Error(field, $"needs {count} bytes but only {Remaining} remain");
        }

        return Take((int)count, field);
    }

    public void Skip(int count, string field) => Take(count, field);

    /// <summary>
    /// Copies bytes for a message that keeps them (tokens, filler). Empty gives <see cref="ReadOnlyMemory{T}.Empty"/>
    /// so that record equality holds for messages without them.
    /// </summary>
    public static ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> bytes) =>
        bytes.IsEmpty ? ReadOnlyMemory<byte>.Empty : bytes.ToArray();

    /// <summary>Everything not read yet (trailing strings, padding, junk).</summary>
    public ReadOnlySpan<byte> ReadRest()
    {
        ReadOnlySpan<byte> rest = _body[_position..];
        _position = _body.Length;
        return rest;
    }

    public readonly MmsProtocolException Error(string field, string problem) =>
        new($"MMST {_message}: {field} at message offset {_position + MmstMessageHeader.CommonPartSize}: {problem}.",
            _position + MmstMessageHeader.CommonPartSize);

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
        {
            throw Error(field, $"needs {count} bytes but the message ends after {Remaining}");
        }

        ReadOnlySpan<byte> slice = _body.Slice(_position, count);
        _position += count;
        return slice;
    }
}
