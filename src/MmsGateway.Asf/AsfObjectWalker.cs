using System.Buffers.Binary;

namespace MmsGateway.Asf;

/// <summary>Where one object sits inside the buffer it was read from.</summary>
public readonly record struct AsfObjectSpan(Guid Id, int Offset, int Length)
{
    public string Name => AsfGuids.NameOf(Id);
}

/// <summary>
/// Walks the children of a container object (Header, Header Extension). Each child must be at least 24 bytes and
/// fit inside its parent: a zero or short size (the CWE-835 sample) or an overrun ends in
/// <see cref="AsfFormatException"/>, so the walk always terminates.
/// </summary>
internal static class AsfObjectWalker
{
    public const int ObjectHeaderSize = 24;

    public static AsfObjectSpan ReadChildHeader(ReadOnlySpan<byte> rest, long absoluteOffset, string parent)
    {
        if (rest.Length < ObjectHeaderSize)
            throw new AsfFormatException(parent, absoluteOffset, $"{rest.Length} trailing bytes are too few for an object header");
        var id = new Guid(rest[..16]);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(rest[16..]);
        if (size < ObjectHeaderSize)
            throw new AsfFormatException(AsfGuids.NameOf(id), absoluteOffset + 16,
                $"object size {size} is below the 24-byte minimum");
        if (size > (ulong)rest.Length)
            throw new AsfFormatException(AsfGuids.NameOf(id), absoluteOffset + 16,
                $"object size {size} overruns its parent {parent} ({rest.Length} bytes left)");
        return new AsfObjectSpan(id, 0, (int)size);
    }

    /// <summary>Lists the children in <paramref name="body"/>; offsets are relative to <paramref name="body"/>.</summary>
    public static List<AsfObjectSpan> ReadChildren(ReadOnlySpan<byte> body, long absoluteOffset, string parent)
    {
        var children = new List<AsfObjectSpan>();
        var position = 0;
        while (position < body.Length)
        {
            var child = ReadChildHeader(body[position..], absoluteOffset + position, parent);
            children.Add(child with { Offset = position });
            position += child.Length;
        }
        return children;
    }
}
