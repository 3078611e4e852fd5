using System.Buffers.Binary;

namespace MmsGateway.Asf.Packets;

/// <summary>
/// Packs payloads taken from several packets into new full-size packets (docs/protocol/asf.md#s4.8, docs/protocol/asf.md#s4.9). Thinning a stream
/// out of an interleaved file empties few packets — nearly every packet also carries some audio — so a viewer thinned
/// for a slow link would still get full packets of padding. Re-packing the surviving payloads makes thinning save the
/// bytes it is meant to save. Every payload is rewritten in one uniform multiple-payload form (stream number, media
/// object number and replicated-data length as bytes, offset as a dword, payload length as a word), its replicated
/// data and data copied as they are, so compressed payloads and any replicated data survive unchanged.
/// Output packets carry the error-correction bytes Windows Media writes (0x82 0 0) and the send time of their first
/// payload's packet. No allocation after construction; not thread-safe.
/// </summary>
public sealed class AsfPayloadPacker
{
    /// <summary>EC flags and data, length-type and property flags, padding (word), send time, duration, payload flags.</summary>
    private const int PacketHeaderSize = 3 + 1 + 1 + 2 + 4 + 2 + 1;

    /// <summary>Stream number, media object number, offset (dword), replicated-data length, payload length (word).</summary>
    private const int PayloadHeaderSize = 1 + 1 + 4 + 1 + 2;

    private const int MaxPayloadsPerPacket = 63;

    private readonly byte[] _packet;
    private int _position = PacketHeaderSize;
    private int _count;
    private uint _sendTime;

    public AsfPayloadPacker(int packetSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packetSize, PacketHeaderSize + PayloadHeaderSize + 1);
        PacketSize = packetSize;
        _packet = new byte[packetSize];
    }

    public int PacketSize { get; }

    /// <summary>Payloads are waiting in the packet being filled.</summary>
    public bool HasPending => _count > 0;

    /// <summary>Send time of the packet being filled (its first payload's packet).</summary>
    public uint PendingSendTime => _sendTime;

    /// <summary>True when the payload can be packed at all (replicated data up to 255 bytes, and it fits an empty packet).</summary>
    public bool CanPack(in AsfPayload payload) =>
        payload.ReplicatedDataLength <= byte.MaxValue
        && PayloadHeaderSize + payload.ReplicatedDataLength + payload.DataLength <= PacketSize - PacketHeaderSize;

    /// <summary>
    /// Adds one payload of <paramref name="packet"/> (sent at <paramref name="sendTime"/>). False when it does not fit
    /// in what is left of the current packet: flush, then add again.
    /// </summary>
    public bool TryAdd(ReadOnlySpan<byte> packet, in AsfPayload payload, uint sendTime)
    {
        var size = PayloadHeaderSize + payload.ReplicatedDataLength + payload.DataLength;
        if (!CanPack(payload) || _count == MaxPayloadsPerPacket || _position + size > PacketSize) return false;
        if (_count == 0) _sendTime = sendTime;
        var o = _packet.AsSpan(_position, size);
        o[0] = (byte)(payload.StreamNumber | (payload.IsKeyFrame ? 0x80 : 0));
        o[1] = (byte)payload.MediaObjectNumber;
        // A compressed payload keeps its presentation time in the offset field (docs/protocol/asf.md#s4.8).
        BinaryPrimitives.WriteUInt32LittleEndian(o[2..], payload.IsCompressed ? payload.PresentationTime : payload.OffsetIntoMediaObject);
        o[6] = (byte)payload.ReplicatedDataLength;
        packet.Slice(payload.ReplicatedDataOffset, payload.ReplicatedDataLength).CopyTo(o[7..]);
        var at = 7 + payload.ReplicatedDataLength;
        BinaryPrimitives.WriteUInt16LittleEndian(o[at..], (ushort)payload.DataLength);
        packet.Slice(payload.DataOffset, payload.DataLength).CopyTo(o[(at + 2)..]);
        _position += size;
        _count++;
        return true;
    }

    /// <summary>Writes the packet being filled, padded to full size, into <paramref name="output"/>; returns the packet size.</summary>
    public int Flush(Span<byte> output)
    {
        if (_count == 0) throw new InvalidOperationException("No payload is waiting.");
        var o = output[..PacketSize];
        var head = _packet.AsSpan(0, PacketHeaderSize);
        head[0] = 0x82; // error correction present, 2 bytes of EC data (docs/protocol/asf.md#s4.9)
        head[1] = 0;
        head[2] = 0;
        head[3] = 0x01 | (2 << 3); // multiple payloads, padding length as a word, no packet length, no sequence
        head[4] = 0x01 | (3 << 2) | (1 << 4) | (1 << 6); // replicated length byte, offset dword, object number byte, stream byte
        BinaryPrimitives.WriteUInt16LittleEndian(head[5..], (ushort)(PacketSize - _position));
        BinaryPrimitives.WriteUInt32LittleEndian(head[7..], _sendTime);
        BinaryPrimitives.WriteUInt16LittleEndian(head[11..], 0);
        head[13] = (byte)((2 << 6) | _count); // payload lengths as words
        _packet.AsSpan(0, _position).CopyTo(o);
        o[_position..].Clear();
        _position = PacketHeaderSize;
        _count = 0;
        return PacketSize;
    }
}
