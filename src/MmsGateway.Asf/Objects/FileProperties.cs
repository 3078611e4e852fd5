using System.Buffers.Binary;

namespace MmsGateway.Asf.Objects;

/// <summary>File Properties Object (docs/protocol/asf.md#s4.3). Times in 100-ns ticks unless named *Ms.</summary>
public sealed record FileProperties(
    Guid FileId,
    ulong FileSize,
    ulong CreationDate,
    ulong DataPacketsCount,
    ulong PlayDuration,
    ulong SendDuration,
    ulong PrerollMs,
    uint Flags,
    uint MinimumDataPacketSize,
    uint MaximumDataPacketSize,
    uint MaximumBitrate)
{
    public const int ObjectSize = 104;
    public const uint BroadcastFlag = 0x01;
    public const uint SeekableFlag = 0x02;

    // Body offsets (from the object start) of the fields a rewrite patches.
    internal const int FileSizeOffset = 40;
    internal const int DataPacketsCountOffset = 56;
    internal const int PlayDurationOffset = 64;
    internal const int SendDurationOffset = 72;
    internal const int FlagsOffset = 88;
    internal const int MaximumBitrateOffset = 100;

    public bool IsBroadcast => (Flags & BroadcastFlag) != 0;
    public bool IsSeekable => (Flags & SeekableFlag) != 0;

    /// <summary>
    /// The fixed size of every data packet. ASF requires minimum == maximum; ffmpeg's MMS code reads the maximum,
    /// vlc and libmms the minimum (docs/protocol/asf.md#s4.3), so a file where they differ cannot be streamed.
    /// </summary>
    public int PacketSize => (int)MaximumDataPacketSize;

    /// <summary>Content duration: Play Duration includes the preroll (docs/protocol/asf.md#s4.3). Null for broadcasts, where it is invalid.</summary>
    public TimeSpan? Duration
    {
        get
        {
            if (IsBroadcast || PlayDuration == 0) return null;
            var ticks = (long)Math.Min(PlayDuration, long.MaxValue) - (long)Math.Min(PrerollMs, long.MaxValue / 10_000) * 10_000;
            return TimeSpan.FromTicks(Math.Max(0, ticks));
        }
    }

    internal static FileProperties Read(ReadOnlySpan<byte> obj, long offset)
    {
        var r = new AsfSpanReader(obj, offset, "File Properties");
        r.Skip(24, "object header");
        var props = new FileProperties(
            r.ReadGuid("File ID"), r.ReadUInt64("File Size"), r.ReadUInt64("Creation Date"),
            r.ReadUInt64("Data Packets Count"), r.ReadUInt64("Play Duration"), r.ReadUInt64("Send Duration"),
            r.ReadUInt64("Preroll"), r.ReadUInt32("Flags"), r.ReadUInt32("Minimum Data Packet Size"),
            r.ReadUInt32("Maximum Data Packet Size"), r.ReadUInt32("Maximum Bitrate"));
        if (props.MinimumDataPacketSize != props.MaximumDataPacketSize)
            throw new AsfFormatException("File Properties", offset + 92,
                $"variable packet size ({props.MinimumDataPacketSize}..{props.MaximumDataPacketSize}) cannot be streamed");
        // 65 535 is the largest MMS data packet (preheader u16); ffmpeg rejects more than 65 536 (docs/protocol/asf.md#s4.3).
        if (props.MaximumDataPacketSize is < 16 or > 65_527)
            throw new AsfFormatException("File Properties", offset + 96,
                $"packet size {props.MaximumDataPacketSize} is outside 16..65527");
        return props;
    }

    /// <summary>Writes this object (104 bytes) into <paramref name="destination"/>.</summary>
    internal void Write(Span<byte> destination)
    {
        AsfGuids.FileProperties.TryWriteBytes(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], ObjectSize);
        FileId.TryWriteBytes(destination[24..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[40..], FileSize);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[48..], CreationDate);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[56..], DataPacketsCount);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[64..], PlayDuration);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[72..], SendDuration);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[80..], PrerollMs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[88..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[92..], MinimumDataPacketSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[96..], MaximumDataPacketSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[100..], MaximumBitrate);
    }
}
