using System.Buffers.Binary;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The x-asf-pf payload format header before each ASF data packet or fragment in an RTP payload (MS-RTSP 2.2.1.3;
/// docs/protocol/rtsp.md#s4.2): flags, a 24-bit length or offset, then the optional fields in R, D, I order.
/// </summary>
public readonly struct AsfPayloadHeader
{
    public const int MinSize = 4;
    public const int MaxLengthOrOffset = 0xFFFFFF;

    public AsfPayloadFlags Flags { get; init; }
    public bool IsKeyFrame => (Flags & AsfPayloadFlags.KeyFrame) != 0;
    public bool HasLength => (Flags & AsfPayloadFlags.Length) != 0;

    /// <summary>The 24-bit field: a length when <see cref="HasLength"/> (docs/protocol/rtsp.md#s4.3), else an offset (docs/protocol/rtsp.md#s4.4).</summary>
    public int LengthOrOffset { get; init; }

    public uint? RelativeTimestamp { get; init; }
    public uint? Duration { get; init; }
    public uint? LocationId { get; init; }

    /// <summary>Bytes of this header: 4, 8, 12 or 16.</summary>
    public int Size => SizeOf(Flags);

    public static int SizeOf(AsfPayloadFlags flags) =>
        MinSize + ((flags & AsfPayloadFlags.RelativeTimestamp) != 0 ? 4 : 0)
                + ((flags & AsfPayloadFlags.Duration) != 0 ? 4 : 0)
                + ((flags & AsfPayloadFlags.LocationId) != 0 ? 4 : 0);

    /// <summary>Parses the header at the start of <paramref name="payload"/>; throws when it is cut short.</summary>
    public static AsfPayloadHeader Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < MinSize) throw new MmsProtocolException($"ASF payload header needs 4 bytes, {payload.Length} left.", 0);
        if (!TryParse(payload, out var header))
        {
            throw new MmsProtocolException($"ASF payload header with flags 0x{payload[0]:X2} needs {SizeOf((AsfPayloadFlags)payload[0])} bytes, {payload.Length} left.", 0);
        }

        return header;
    }

    /// <summary>Like <see cref="Parse"/>, false instead of an exception when the header is cut short (the depacketizer's hot path).</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out AsfPayloadHeader header)
    {
        header = default;
        if (payload.Length < MinSize) return false;
        var flags = (AsfPayloadFlags)payload[0];
        int size = SizeOf(flags);
        if (payload.Length < size) return false;
        int at = MinSize;
        uint? Next(AsfPayloadFlags flag, ReadOnlySpan<byte> bytes, ref int position)
        {
            if ((flags & flag) == 0) return null;
            uint value = BinaryPrimitives.ReadUInt32BigEndian(bytes[position..]);
            position += 4;
            return value;
        }

        var relative = Next(AsfPayloadFlags.RelativeTimestamp, payload, ref at);
        var duration = Next(AsfPayloadFlags.Duration, payload, ref at);
        var location = Next(AsfPayloadFlags.LocationId, payload, ref at);
        header = new AsfPayloadHeader
        {
            Flags = flags,
            LengthOrOffset = (payload[1] << 16) | (payload[2] << 8) | payload[3],
            RelativeTimestamp = relative, Duration = duration, LocationId = location,
        };
        return true;
    }

    /// <summary>Writes a header; the optional fields are written when their flag is set. Returns its size.</summary>
    public static int Write(Span<byte> destination, AsfPayloadFlags flags, int lengthOrOffset,
        uint relativeTimestamp = 0, uint duration = 0, uint locationId = 0)
    {
        if ((uint)lengthOrOffset > MaxLengthOrOffset) throw new ArgumentOutOfRangeException(nameof(lengthOrOffset), "The field holds 24 bits.");
        int size = SizeOf(flags);
        destination[0] = (byte)((byte)flags & 0xF8);
        destination[1] = (byte)(lengthOrOffset >> 16);
        destination[2] = (byte)(lengthOrOffset >> 8);
        destination[3] = (byte)lengthOrOffset;
        int at = MinSize;
        if ((flags & AsfPayloadFlags.RelativeTimestamp) != 0) { BinaryPrimitives.WriteUInt32BigEndian(destination[at..], relativeTimestamp); at += 4; }
        if ((flags & AsfPayloadFlags.Duration) != 0) { BinaryPrimitives.WriteUInt32BigEndian(destination[at..], duration); at += 4; }
        if ((flags & AsfPayloadFlags.LocationId) != 0) BinaryPrimitives.WriteUInt32BigEndian(destination[at..], locationId);
        return size;
    }
}
