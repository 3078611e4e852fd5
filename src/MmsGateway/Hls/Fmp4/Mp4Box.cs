using System.Buffers.Binary;

namespace MmsGateway.Hls.Fmp4;

/// <summary>ISO BMFF box types as big-endian four-character codes.</summary>
public static class BoxType
{
    public const uint Ftyp = 0x66747970;
    public const uint Styp = 0x73747970;
    public const uint Moov = 0x6D6F6F76;
    public const uint Moof = 0x6D6F6F66;
    public const uint Mdat = 0x6D646174;
    public const uint Mvex = 0x6D766578;
    public const uint Trex = 0x74726578;
    public const uint Trak = 0x7472616B;
    public const uint Tkhd = 0x746B6864;
    public const uint Mdia = 0x6D646961;
    public const uint Mdhd = 0x6D646864;
    public const uint Hdlr = 0x68646C72;
    public const uint Minf = 0x6D696E66;
    public const uint Stbl = 0x7374626C;
    public const uint Stsd = 0x73747364;
    public const uint Avc1 = 0x61766331;
    public const uint Avc3 = 0x61766333;
    public const uint AvcC = 0x61766343;
    public const uint Hvc1 = 0x68766331;
    public const uint Hev1 = 0x68657631;
    public const uint Mp4a = 0x6D703461;
    public const uint Esds = 0x65736473;
    public const uint Traf = 0x74726166;
    public const uint Tfhd = 0x74666864;
    public const uint Tfdt = 0x74666474;
    public const uint Trun = 0x7472756E;
    public const uint Sdtp = 0x73647470;
    public const uint Vide = 0x76696465;
    public const uint Soun = 0x736F756E;

    public static string Name(uint type) => string.Create(4, type, static (span, t) =>
    {
        for (var i = 0; i < 4; i++)
        {
            var c = (char)((t >> (24 - 8 * i)) & 0xFF);
            span[i] = c is >= ' ' and <= '~' ? c : '?';
        }
    });
}

/// <summary>Thrown for a byte stream that is not the fragmented MP4 it should be.</summary>
public sealed class Mp4FormatException(string message) : Exception(message);

/// <summary>Walks the boxes of one container's body: <c>while (boxes.MoveNext()) { boxes.Type ... boxes.Body }</c>.</summary>
public ref struct Mp4Boxes(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _next;

    public uint Type { get; private set; }

    /// <summary>The box's content after its header.</summary>
    public ReadOnlySpan<byte> Body { get; private set; }

    /// <summary>Offset of the box (its header) within the walked data.</summary>
    public int Offset { get; private set; }

    public bool MoveNext()
    {
        if (_next + 8 > _data.Length) return false;
        var size = (long)BinaryPrimitives.ReadUInt32BigEndian(_data[_next..]);
        var type = BinaryPrimitives.ReadUInt32BigEndian(_data[(_next + 4)..]);
        var header = 8;
        if (size == 1)
        {
            if (_next + 16 > _data.Length) return false;
            size = (long)BinaryPrimitives.ReadUInt64BigEndian(_data[(_next + 8)..]);
            header = 16;
        }
        else if (size == 0)
        {
            size = _data.Length - _next;
        }
        if (size < header || _next + size > _data.Length) throw new Mp4FormatException($"box '{BoxType.Name(type)}' at {_next} has a bad size {size}");
        Type = type;
        Offset = _next;
        Body = _data.Slice(_next + header, (int)size - header);
        _next += (int)size;
        return true;
    }

    /// <summary>The body of the first child of <paramref name="type"/> in <paramref name="container"/>, or empty.</summary>
    public static ReadOnlySpan<byte> Find(ReadOnlySpan<byte> container, uint type)
    {
        var boxes = new Mp4Boxes(container);
        while (boxes.MoveNext())
            if (boxes.Type == type) return boxes.Body;
        return [];
    }

    public static bool Contains(ReadOnlySpan<byte> container, uint type)
    {
        var boxes = new Mp4Boxes(container);
        while (boxes.MoveNext())
            if (boxes.Type == type) return true;
        return false;
    }
}
