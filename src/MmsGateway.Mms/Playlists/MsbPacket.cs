using System.Buffers.Binary;

namespace MmsGateway.Mms.Playlists;

/// <summary>
/// One MSB multicast datagram ([MS-MSB] 2.2.2, docs/protocol/nsc.md#s7.3): <c>dwPacketID u32 | wStreamID u16 |
/// wPacketSize u16</c> (little-endian) followed by one ASF data packet, usually with its padding stripped (the
/// receiver re-pads it to the header's packet size). The other datagram on the group is the 4-byte beacon
/// <c>"MSB "</c>, see <see cref="IsBeacon"/>. Pure functions; error-correction parity is left to the receiver.
/// </summary>
public sealed class MsbPacket
{
    public const int HeaderSize = 8;

    /// <summary>wPacketSize is a u16 that counts the whole datagram.</summary>
    public const int MaxPayloadLength = ushort.MaxValue - HeaderSize;

    /// <summary>The beacon as a little-endian u32: the ASCII bytes "MSB ".</summary>
    public const uint BeaconValue = 0x2042534D;

    public const int BeaconSize = 4;

    /// <summary>Low 11 bits of wStreamID: the format ID of the NSC header that describes the packet.</summary>
    public const ushort FormatIdMask = 0x07FF;

    /// <summary>Top bit of wStreamID: toggled by the server at each playlist-entry change.</summary>
    public const ushort EntryToggleBit = 0x8000;

    public MsbPacket(uint packetId, ushort streamId, ReadOnlyMemory<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadLength, nameof(payload));
        PacketId = packetId;
        StreamId = streamId;
        Payload = payload;
    }

    /// <summary>dwPacketID: the sequence number (a parity packet repeats the ID of the packet before it).</summary>
    public uint PacketId { get; }

    /// <summary>wStreamID as sent.</summary>
    public ushort StreamId { get; }

    /// <summary>The ASF data packet.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The NSC FormatN whose Key equals this picks the ASF header (docs/protocol/nsc.md#s7.1).</summary>
    public int FormatId => StreamId & FormatIdMask;

    /// <summary>Flips when the server moves to the next playlist entry: a new header may apply.</summary>
    public bool EntryToggle => (StreamId & EntryToggleBit) != 0;

    /// <summary>wPacketSize of this packet when written.</summary>
    public int PacketSize => HeaderSize + Payload.Length;

    /// <summary>True for the 4-byte beacon <c>"MSB "</c> a server sends every 1 to 10 s when it is alive.</summary>
    public static bool IsBeacon(ReadOnlySpan<byte> datagram) =>
        datagram.Length == BeaconSize && BinaryPrimitives.ReadUInt32LittleEndian(datagram) == BeaconValue;

    /// <summary>
    /// Reads a data datagram (check <see cref="IsBeacon"/> first). The payload is a slice of
    /// <paramref name="datagram"/>, not a copy. Bytes after wPacketSize are ignored; fewer bytes than wPacketSize,
    /// or a wPacketSize below 8, is a <see cref="PlaylistFormatException"/>.
    /// </summary>
    public static MsbPacket Parse(ReadOnlyMemory<byte> datagram)
    {
        ReadOnlySpan<byte> span = datagram.Span;
        if (span.Length < HeaderSize)
        {
            throw new PlaylistFormatException(
                IsBeacon(span)
                    ? "MSB datagram is a beacon, not a data packet."
                    : $"MSB datagram of {span.Length} bytes is shorter than the {HeaderSize}-byte packet header.");
        }

        uint packetId = BinaryPrimitives.ReadUInt32LittleEndian(span);
        ushort streamId = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        ushort packetSize = BinaryPrimitives.ReadUInt16LittleEndian(span[6..]);
        if (packetSize < HeaderSize)
        {
            throw new PlaylistFormatException($"MSB packet {packetId}: wPacketSize {packetSize} is below {HeaderSize}.");
        }

        if (packetSize > span.Length)
        {
            throw new PlaylistFormatException(
                $"MSB packet {packetId}: wPacketSize {packetSize} but the datagram has {span.Length} bytes.");
        }

        return new MsbPacket(packetId, streamId, datagram[HeaderSize..packetSize]);
    }

    /// <summary>Writes the datagram into <paramref name="destination"/> and returns its length.</summary>
    public int WriteTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, PacketSize, nameof(destination));
        BinaryPrimitives.WriteUInt32LittleEndian(destination, PacketId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)PacketSize);
        Payload.Span.CopyTo(destination[HeaderSize..]);
        return PacketSize;
    }

    public byte[] ToArray()
    {
        var datagram = new byte[PacketSize];
        WriteTo(datagram);
        return datagram;
    }

    /// <summary>Writes the beacon (4 bytes) and returns its length.</summary>
    public static int WriteBeacon(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, BeaconValue);
        return BeaconSize;
    }

    /// <summary>The wStreamID for a format ID and the entry-toggle bit.</summary>
    public static ushort StreamIdFor(int formatId, bool entryToggle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(formatId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(formatId, NscFile.MaxFormatId);
        return (ushort)(formatId | (entryToggle ? EntryToggleBit : 0));
    }
}
