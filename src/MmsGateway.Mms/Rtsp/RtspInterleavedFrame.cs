using System.Buffers;

namespace MmsGateway.Mms.Rtsp;

/// <summary>One interleaved frame: its channel and the RTP, RTCP or packet-pair bytes it carries (docs/protocol/rtsp.md#s9.1).</summary>
public readonly struct RtspInterleavedFrame
{
    public RtspInterleavedFrame(byte channel, ReadOnlySequence<byte> payload)
    {
        Channel = channel;
        Payload = payload;
    }

    public byte Channel { get; }

    /// <summary>The frame's payload: a slice of the reader's sequence, valid as long as that buffer is.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>A WMS packet-pair probe on channel <c>P</c>, not RTP (docs/protocol/rtsp.md#s9.2).</summary>
    public bool IsPacketPair => Channel == RtspInterleaved.PacketPairChannel;
}
