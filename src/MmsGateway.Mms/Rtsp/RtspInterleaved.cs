using System.Buffers;
using System.Buffers.Binary;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// RTSP interleaved framing over TCP: <c>$</c>, a channel byte, a big-endian 16-bit length, then the packet
/// (RFC 2326 10.12; docs/protocol/rtsp.md#s9.1). Frames and RTSP messages share the connection.
/// </summary>
public static class RtspInterleaved
{
    public const byte Magic = 0x24;

    /// <summary>Channel <c>P</c>: WMS packet-pair probes (docs/protocol/rtsp.md#s9.2).</summary>
    public const byte PacketPairChannel = 0x50;

    public const int HeaderSize = 4;

    public const int MaxPayload = ushort.MaxValue;

    /// <summary>
    /// Looks at the next byte without consuming it. <c>$</c> is a frame; a letter, CR or LF an RTSP message
    /// (docs/protocol/rtsp.md#s9.3); anything else is neither, and cannot be resynchronised on safely.
    /// </summary>
    public static RtspStreamItem Peek(ref SequenceReader<byte> reader)
    {
        if (!reader.TryPeek(out byte first)) return RtspStreamItem.NeedMoreData;
        if (first == Magic) return RtspStreamItem.InterleavedFrame;
        if (first is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (byte)'\r' or (byte)'\n')
        {
            return RtspStreamItem.Message;
        }

        throw new MmsProtocolException($"RTSP connection byte 0x{first:X2} starts neither a '$' frame nor a message.", reader.Consumed);
    }

    /// <summary>False (reader unchanged) until the whole frame is there. Throws when the next byte is not <c>$</c>.</summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out RtspInterleavedFrame frame)
    {
        frame = default;
        if (reader.Remaining < HeaderSize) return false;
        Span<byte> header = stackalloc byte[HeaderSize];
        reader.TryCopyTo(header);
        if (header[0] != Magic)
        {
            throw new MmsProtocolException($"Interleaved frame starts with 0x{header[0]:X2}, not '$'.", reader.Consumed);
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        if (reader.Remaining < HeaderSize + length) return false;
        reader.Advance(HeaderSize);
        frame = new RtspInterleavedFrame(header[1], reader.UnreadSequence.Slice(0, length));
        reader.Advance(length);
        return true;
    }

    public static void WriteHeader(Span<byte> destination, byte channel, int length)
    {
        if ((uint)length > MaxPayload) throw new ArgumentOutOfRangeException(nameof(length), "An interleaved frame holds at most 65 535 bytes.");
        destination[0] = Magic;
        destination[1] = channel;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
    }

    /// <summary>Writes header and payload; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, byte channel, ReadOnlySpan<byte> payload)
    {
        WriteHeader(destination, channel, payload.Length);
        payload.CopyTo(destination[HeaderSize..]);
        return HeaderSize + payload.Length;
    }
}
