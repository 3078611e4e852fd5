namespace MmsGateway.Mms.Mmsh;

public enum MmshStartKind
{
    /// <summary>From the start of the content, or the live point.</summary>
    Beginning,

    /// <summary>From <see cref="MmshStartPosition.TimeMs"/> (ms of content time).</summary>
    Time,

    /// <summary>From ASF data packet <see cref="MmshStartPosition.PacketIndex"/>.</summary>
    Packet,
}

/// <summary>Where a Play asks to start (docs/protocol/mmsh.md#s2.7, MS-WMSP 3.2.5.6).</summary>
public readonly record struct MmshStartPosition(MmshStartKind Kind, uint TimeMs, uint PacketIndex)
{
    /// <summary>The "unused" value of stream-time and packet-num.</summary>
    public const uint Unused = uint.MaxValue;

    /// <summary>stream-offset <c>4294967295:4294967295</c>.</summary>
    public const ulong UnusedOffset = ulong.MaxValue;

    public static MmshStartPosition Beginning => default;

    /// <summary>
    /// stream-time if present and neither 0 nor 4294967295; else packet-num unless 4294967295; else stream-offset
    /// unless unused (0:0 is the start; other offsets go through <see cref="PacketIndexFromStreamOffset"/>); else the
    /// beginning (docs/protocol/mmsh.md#s2.7).
    /// </summary>
    /// <param name="headerSize">ASF header bytes including the 50 Data Object bytes.</param>
    /// <param name="packetSize">The content's fixed ASF data packet size.</param>
    public static MmshStartPosition Resolve(uint? streamTimeMs, uint? packetNumber, ulong? streamOffset,
        long headerSize, int packetSize)
    {
        if (streamTimeMs is uint time and not 0 and not Unused)
        {
            return new MmshStartPosition(MmshStartKind.Time, time, 0);
        }

        if (packetNumber is uint packet and not Unused)
        {
            return new MmshStartPosition(MmshStartKind.Packet, 0, packet);
        }

        if (streamOffset is ulong offset and not 0 and not UnusedOffset)
        {
            return new MmshStartPosition(MmshStartKind.Packet, 0,
                PacketIndexFromStreamOffset(offset, headerSize, packetSize));
        }

        return Beginning;
    }

    /// <summary>
    /// The packet a stream-offset means. The spec's byte offset in the file (header + k·P), vlc's k·P and libmms'
    /// (k+1)·P all occur, so (heuristic of docs/protocol/mmsh.md#s2.8): if the offset is at or past the header and lands on a
    /// packet boundary after it, it is a file offset; otherwise it counts packets from 0.
    /// </summary>
    public static uint PacketIndexFromStreamOffset(ulong offset, long headerSize, int packetSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(packetSize);
        ArgumentOutOfRangeException.ThrowIfNegative(headerSize);
        ulong header = (ulong)headerSize;
        ulong size = (ulong)packetSize;
        ulong index = offset >= header && (offset - header) % size == 0
            ? (offset - header) / size
            : offset / size;
        return index > uint.MaxValue ? uint.MaxValue : (uint)index;
    }
}
