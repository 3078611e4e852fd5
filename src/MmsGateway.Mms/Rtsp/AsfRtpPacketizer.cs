using MmsGateway.Asf;
using MmsGateway.Asf.Packets;

namespace MmsGateway.Mms.Rtsp;

/// <summary>
/// Turns ASF data packets into x-asf-pf RTP packets for one carrier (one SSRC, one sequence space, one payload type:
/// docs/protocol/rtsp.md#s4.1): a packet that fits goes whole, with L set and the length counting the payload header
/// (the reading every peer agrees on, docs/protocol/rtsp.md#s4.3) and the marker set; a larger one is split into
/// fragments with offsets, the marker on the last (docs/protocol/rtsp.md#s4.4). Writes into the caller's buffer.
/// </summary>
public sealed class AsfRtpPacketizer
{
    /// <summary>Largest RTP payload in one interleaved frame: 65 535 − the 12-byte RTP header (docs/protocol/rtsp.md#s4.7).</summary>
    public const int MaxTcpRtpPayload = ushort.MaxValue - RtpHeader.FixedSize;

    private readonly byte _payloadType;
    private readonly int _maxRtpPayload;

    /// <param name="maxRtpPayload">Largest RTP payload (payload header included): <see cref="MaxTcpRtpPayload"/> over TCP, about 1400 over UDP.</param>
    public AsfRtpPacketizer(uint ssrc, ushort firstSequence, byte payloadType = 96, int maxRtpPayload = MaxTcpRtpPayload)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadType, (byte)0x7F);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRtpPayload, AsfPayloadHeader.MinSize + 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRtpPayload, MaxTcpRtpPayload);
        Ssrc = ssrc;
        NextSequence = firstSequence;
        _payloadType = payloadType;
        _maxRtpPayload = maxRtpPayload;
    }

    public uint Ssrc { get; }

    /// <summary>Sequence number of the next RTP packet (PLAY's RTP-Info <c>seq</c>, docs/protocol/rtsp.md#s2.4).</summary>
    public ushort NextSequence { get; private set; }

    /// <summary>Bytes <see cref="PacketizeInterleaved"/> may write for one ASF packet (and, less 4 per packet, <see cref="Packetize"/>).</summary>
    public static int MaxOutputSize(int asfPacketLength, int maxRtpPayload)
    {
        int perPacket = maxRtpPayload - AsfPayloadHeader.MinSize;
        int packets = asfPacketLength + AsfPayloadHeader.MinSize <= maxRtpPayload ? 1 : (asfPacketLength + perPacket - 1) / perPacket;
        return asfPacketLength + (packets * (RtspInterleaved.HeaderSize + RtpHeader.FixedSize + AsfPayloadHeader.MinSize));
    }

    /// <summary>
    /// Writes the RTP packets for <paramref name="asfPacket"/> back to back into <paramref name="destination"/> and
    /// their lengths into <paramref name="rtpPacketLengths"/>; returns how many. <paramref name="timestampMs"/> is the
    /// packet's send time (MS-RTSP 2.2.1.2).
    /// </summary>
    public int Packetize(ReadOnlySpan<byte> asfPacket, uint timestampMs, bool keyFrame, Span<byte> destination, Span<int> rtpPacketLengths)
    {
        int written = 0;
        int count = 0;
        foreach (var (offset, length, whole, last) in new Pieces(asfPacket.Length, _maxRtpPayload))
        {
            if (count == rtpPacketLengths.Length) throw new ArgumentException("Too few length slots for the RTP packets.", nameof(rtpPacketLengths));
            int size = WriteOne(destination[written..], asfPacket.Slice(offset, length), offset, whole, last, timestampMs, keyFrame);
            rtpPacketLengths[count++] = size;
            written += size;
        }

        return count;
    }

    /// <summary>As <see cref="Packetize"/>, each RTP packet inside a <c>$</c> frame on <paramref name="channel"/>; returns the bytes written.</summary>
    public int PacketizeInterleaved(ReadOnlySpan<byte> asfPacket, uint timestampMs, bool keyFrame, byte channel, Span<byte> destination)
    {
        int written = 0;
        foreach (var (offset, length, whole, last) in new Pieces(asfPacket.Length, _maxRtpPayload))
        {
            var frame = destination[written..];
            int size = WriteOne(frame[RtspInterleaved.HeaderSize..], asfPacket.Slice(offset, length), offset, whole, last, timestampMs, keyFrame);
            RtspInterleaved.WriteHeader(frame, channel, size);
            written += RtspInterleaved.HeaderSize + size;
        }

        return written;
    }

    /// <summary>The send time and whether any payload is a key frame: the RTP timestamp and the S flag of a packet.</summary>
    public static (uint SendTime, bool KeyFrame) Describe(ReadOnlySpan<byte> asfPacket, int packetSize)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        try
        {
            var header = AsfPacketParser.Parse(asfPacket, packetSize, payloads);
            bool key = false;
            foreach (var payload in payloads[..header.PayloadCount]) key |= payload.IsKeyFrame;
            return (header.SendTime, key);
        }
        catch (AsfFormatException e)
        {
            throw new MmsProtocolException($"ASF data packet cannot be described for RTP: {e.Message}", e);
        }
    }

    private int WriteOne(Span<byte> destination, ReadOnlySpan<byte> data, int offset, bool whole, bool last, uint timestampMs, bool keyFrame)
    {
        int size = RtpHeader.FixedSize + AsfPayloadHeader.MinSize + data.Length;
        if (destination.Length < size) throw new ArgumentException("The destination is too small; size it with MaxOutputSize.", nameof(destination));
        RtpHeader.Write(destination, last, _payloadType, NextSequence, timestampMs, Ssrc);
        NextSequence++;
        var flags = keyFrame ? AsfPayloadFlags.KeyFrame : AsfPayloadFlags.None;
        if (whole) AsfPayloadHeader.Write(destination[RtpHeader.FixedSize..], flags | AsfPayloadFlags.Length, AsfPayloadHeader.MinSize + data.Length);
        else AsfPayloadHeader.Write(destination[RtpHeader.FixedSize..], flags, offset);
        data.CopyTo(destination[(RtpHeader.FixedSize + AsfPayloadHeader.MinSize)..]);
        return size;
    }

    /// <summary>The pieces one ASF packet is cut into: one whole piece when it fits, else fragments.</summary>
    private struct Pieces(int length, int maxRtpPayload)
    {
        private int _offset = -1;
        private readonly int _chunk = maxRtpPayload - AsfPayloadHeader.MinSize;
        private readonly bool _whole = length <= maxRtpPayload - AsfPayloadHeader.MinSize;

        public (int Offset, int Length, bool Whole, bool Last) Current { get; private set; }

        public readonly Pieces GetEnumerator() => this;

        public bool MoveNext()
        {
            int next = _offset < 0 ? 0 : _offset + _chunk;
            if (next >= length && !(next == 0 && length == 0)) return false;
            if (_offset >= 0 && next == 0) return false;
            _offset = next;
            int size = Math.Min(_chunk, length - next);
            if (size > AsfPayloadHeader.MaxLengthOrOffset - AsfPayloadHeader.MinSize) throw new ArgumentException("ASF packet too large for the 24-bit length.");
            Current = (next, size, _whole, next + size >= length);
            return true;
        }
    }
}
