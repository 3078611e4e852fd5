using System.Buffers.Binary;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// The RTP fixed header (RFC 3550 5.1; docs/protocol/rtsp.md#s4.1) with where the payload lies once CSRCs, a header
/// extension and padding are accounted for.
/// </summary>
public readonly struct RtpHeader
{
    public const int FixedSize = 12;

    public byte Version { get; init; }
    public bool Padding { get; init; }
    public bool Extension { get; init; }
    public int CsrcCount { get; init; }
    public bool Marker { get; init; }
    public byte PayloadType { get; init; }
    public ushort SequenceNumber { get; init; }
    public uint Timestamp { get; init; }
    public uint Ssrc { get; init; }

    /// <summary>Bytes before the payload: 12 + CSRCs + extension.</summary>
    public int HeaderLength { get; init; }

    /// <summary>Padding bytes at the end (0 without the P bit).</summary>
    public int PaddingLength { get; init; }

    /// <summary>Parses <paramref name="packet"/>, one whole RTP packet. Throws for a version other than 2 or lengths that do not fit.</summary>
    public static RtpHeader Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < FixedSize) throw new MmsProtocolException($"RTP packet of {packet.Length} bytes is shorter than its 12-byte header.", 0);
        byte b0 = packet[0];
        int version = b0 >> 6;
        if (version != 2) throw new MmsProtocolException($"RTP version {version}, not 2.", 0);
        int csrc = b0 & 0x0F;
        int length = FixedSize + (4 * csrc);
        bool extension = (b0 & 0x10) != 0;
        if (extension)
        {
            if (packet.Length < length + 4) throw new MmsProtocolException("RTP header extension runs past the packet.", length);
            length += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(length + 2)..]));
        }

        if (packet.Length < length) throw new MmsProtocolException("RTP CSRC list or extension runs past the packet.", FixedSize);
        int padding = 0;
        if ((b0 & 0x20) != 0)
        {
            padding = packet[^1];
            if (padding == 0 || length + padding > packet.Length)
            {
                throw new MmsProtocolException($"RTP padding count {padding} does not fit the packet.", packet.Length - 1);
            }
        }

        return new RtpHeader
        {
            Version = (byte)version, Padding = padding > 0, Extension = extension, CsrcCount = csrc,
            Marker = (packet[1] & 0x80) != 0, PayloadType = (byte)(packet[1] & 0x7F),
            SequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            Timestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]),
            HeaderLength = length, PaddingLength = padding,
        };
    }

    /// <summary>The payload of <paramref name="packet"/>, the packet this header was parsed from.</summary>
    public ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> packet) => packet[HeaderLength..^PaddingLength];

    /// <summary>Writes a 12-byte header (V=2, no padding, extension or CSRC); returns 12.</summary>
    public static int Write(Span<byte> destination, bool marker, byte payloadType, ushort sequence, uint timestamp, uint ssrc)
    {
        if (payloadType > 0x7F) throw new ArgumentOutOfRangeException(nameof(payloadType));
        destination[0] = 0x80;
        destination[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc);
        return FixedSize;
    }
}
