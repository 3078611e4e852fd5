using System.Buffers;
using MmsGateway.Asf.Packets;
using MmsGateway.Asf.Selection;

namespace MmsGateway.Outputs;

/// <summary>
/// Writes a thinned viewer's packets (<see cref="ViewerThinning"/>): each packet filtered by the viewer's selection
/// (key frames only, or no video), and the surviving payloads packed into fresh packets (<see cref="AsfPayloadPacker"/>),
/// so that fewer bytes go out than packets with their video cut out would take. A packed packet waits for more
/// payloads, but not past half a second of media: audio must keep flowing.
/// </summary>
/// <remarks>Made when a viewer is first thinned; works on bytes and an <see cref="IBufferWriter{T}"/> only.</remarks>
internal sealed class ThinnedWriter(ViewerFraming framing, AsfStreamSelection selection, int packetSize)
{
    /// <summary>Longest a packed packet waits, in send time (ms) of the newest packet.</summary>
    internal const uint PackHoldMs = 500;

    private readonly AsfPayloadPacker _packer = new(packetSize);
    private readonly byte[] _source = new byte[packetSize];
    private readonly byte[] _scratch = new byte[packetSize];

    /// <summary>The location id of the last packet written: a packed packet goes out under it.</summary>
    private uint _lastSequence;

    /// <summary>
    /// Where the caller copies the next packet out of the ring (a slot may be reused while it is parsed; the copy
    /// cannot), before <see cref="Write"/>.
    /// </summary>
    public Span<byte> Source => _source;

    /// <summary>Whether a packed packet is waiting for more payloads.</summary>
    public bool HasPending => _packer.HasPending;

    /// <summary>
    /// Filters and packs the packet of <paramref name="length"/> bytes in <see cref="Source"/>, writing out each packed
    /// packet that fills up. A packet holding a payload too big to pack goes out as it is, after whatever was waiting,
    /// so the order never changes. Returns the bytes written; <paramref name="dropped"/> counts the source packets the
    /// viewer did not get as they were (emptied by the filter, or folded into another packet).
    /// </summary>
    public long Write(IBufferWriter<byte> output, int length, uint sequence, ref long dropped)
    {
        _lastSequence = sequence;
        var source = _source.AsSpan(0, length);
        var filtered = selection.Apply(source, _scratch);
        if (filtered == AsfPacketFilterResult.Empty)
        {
            dropped++;
            return 0;
        }
        var kept = filtered == AsfPacketFilterResult.Rebuilt ? _scratch.AsSpan(0, length) : source;
        return Pack(output, kept, ref dropped);
    }

    /// <summary>Writes the waiting packed packet if the newest packet's send time is half a second past it.</summary>
    public long WriteIfHeldTooLong(IBufferWriter<byte> output, uint newestSendTime) =>
        _packer.HasPending && newestSendTime - _packer.PendingSendTime >= PackHoldMs ? WritePending(output) : 0;

    /// <summary>Writes the waiting packed packet (nothing if none); returns the bytes written.</summary>
    public long WritePending(IBufferWriter<byte> output)
    {
        if (!_packer.HasPending) return 0;
        var span = output.GetSpan(framing.PacketPrefix + _packer.PacketSize);
        var length = _packer.Flush(span[framing.PacketPrefix..]);
        framing.WritePrefix(span, _lastSequence, length);
        output.Advance(framing.PacketPrefix + length);
        return framing.PacketPrefix + length;
    }

    private long Pack(IBufferWriter<byte> output, ReadOnlySpan<byte> packet, ref long dropped)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, packet.Length, payloads);
        long written = 0;
        foreach (var p in payloads[..header.PayloadCount])
        {
            if (_packer.CanPack(p)) continue;
            written += WritePending(output);
            var span = output.GetSpan(framing.PacketPrefix + packet.Length);
            packet.CopyTo(span[framing.PacketPrefix..]);
            framing.WritePrefix(span, _lastSequence, packet.Length);
            output.Advance(framing.PacketPrefix + packet.Length);
            return written + framing.PacketPrefix + packet.Length;
        }
        foreach (var p in payloads[..header.PayloadCount])
        {
            if (_packer.TryAdd(packet, p, header.SendTime)) continue;
            written += WritePending(output);
            _packer.TryAdd(packet, p, header.SendTime);
        }
        // Every source packet folded into another one is a packet this viewer did not get.
        dropped++;
        return written;
    }
}
