using System.Buffers.Binary;

namespace MmsGateway.Mms.Mmsu;

/// <summary>
/// RequestPacketListResend (docs/protocol/mmsu.md#s1.8.7, MS-MMSP 2.2.3): the UDP datagram an MMSU client sends to the
/// server's UDP port naming the 32-bit sequence numbers of data packets it lost.
/// </summary>
public readonly record struct MmsuResendRequest(uint ClientId, ushort SourceId, IReadOnlyList<uint> Sequences)
{
    public const uint Signature = 0xBEEF_F00D;
    public const int MaxPackets = 32;
    private const int FixedSize = 12;

    public int Size => FixedSize + 4 * Sequences.Count;

    public static MmsuResendRequest Parse(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < FixedSize)
            throw new MmsProtocolException($"MMSU resend request: {datagram.Length} bytes are too few (12 at least).", 0);
        if (BinaryPrimitives.ReadUInt32LittleEndian(datagram) != Signature)
            throw new MmsProtocolException("MMSU resend request: the 0xBEEFF00D signature is missing.", 0);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(datagram[10..]);
        if (count is 0 or > MaxPackets)
            throw new MmsProtocolException($"MMSU resend request: wNumPackets {count} is outside 1..{MaxPackets}.", 10);
        if (datagram.Length < FixedSize + 4 * count)
            throw new MmsProtocolException($"MMSU resend request: {count} packets need {FixedSize + 4 * count} bytes, got {datagram.Length}.", 10);
        var sequences = new uint[count];
        for (var i = 0; i < count; i++) sequences[i] = BinaryPrimitives.ReadUInt32LittleEndian(datagram[(FixedSize + 4 * i)..]);
        return new MmsuResendRequest(
            BinaryPrimitives.ReadUInt32LittleEndian(datagram[4..]), BinaryPrimitives.ReadUInt16LittleEndian(datagram[8..]), sequences);
    }

    /// <summary>
    /// Writes the 12-byte fixed part for <paramref name="count"/> sequence numbers that the caller has already put at
    /// offset 12 (little-endian u32 each): the allocation-free form the client's resend timer uses.
    /// </summary>
    public static void WriteFixedPart(Span<byte> destination, uint clientId, ushort sourceId, int count)
    {
        if (count is 0 or > MaxPackets) throw new ArgumentOutOfRangeException(nameof(count), count, $"a resend request names 1..{MaxPackets} packets");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], clientId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], sourceId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], (ushort)count);
    }

    public int Write(Span<byte> destination)
    {
        if (Sequences.Count is 0 or > MaxPackets) throw new InvalidOperationException($"a resend request names 1..{MaxPackets} packets");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], ClientId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], SourceId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], (ushort)Sequences.Count);
        for (var i = 0; i < Sequences.Count; i++) BinaryPrimitives.WriteUInt32LittleEndian(destination[(FixedSize + 4 * i)..], Sequences[i]);
        return Size;
    }
}
