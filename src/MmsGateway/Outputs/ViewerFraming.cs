using System.Buffers;
using System.IO.Pipelines;
using MmsGateway.Mms.Mmsh;

namespace MmsGateway.Outputs;

/// <summary>How one output frames the same ASF header and packets: plain ASF, or MS-WMSP <c>$H</c>/<c>$D</c>/<c>$E</c>.</summary>
public abstract class ViewerFraming
{
    /// <summary>Bytes written before each packet.</summary>
    public abstract int PacketPrefix { get; }

    public abstract void WriteHeader(PipeWriter writer, ReadOnlySpan<byte> asfHeader);

    /// <summary>Writes the prefix of a packet of <paramref name="length"/> bytes into the first <see cref="PacketPrefix"/> bytes.</summary>
    public abstract void WritePrefix(Span<byte> destination, uint locationId, int length);

    public abstract void WriteEnd(PipeWriter writer);

    /// <summary>Packets up to <paramref name="sequence"/> went out with the ring's own prefixes: number on from there.</summary>
    public virtual void ContinueAfter(long sequence) { }

    /// <summary>
    /// The MS-WMSP <c>$D</c> prefix a hub's ring stores in front of each packet, so that taken-over viewers send runs of
    /// packets straight from the ring (LiveViewerPump). Location id: the packet's sequence in the hub; AF sequence: that
    /// number modulo 255, which counts 0..254 like a viewer's own framing (MS-WMSP 2.2.3.1.2) and stays continuous for every
    /// viewer that is sent consecutive packets.
    /// </summary>
    public static void WriteRingPrefix(Span<byte> destination, long sequence, int length) =>
        MmshFraming.WriteDataPrefix(destination, MmshChunkType.Data, (uint)sequence, 0, (byte)(sequence % 255), length);

    /// <summary>Bytes of <see cref="WriteRingPrefix"/>.</summary>
    public const int RingPrefixSize = MmshFraming.DataPrefixSize;

    public static ViewerFraming Asf { get; } = new AsfFraming();
    /// <summary>A new WMSP framing per viewer: it numbers its $D packets.</summary>
    public static ViewerFraming CreateWmsp() => new WmspFraming();

    /// <summary>A plain ASF file as a stream: header then packets; nothing marks the end but the end.</summary>
    private sealed class AsfFraming : ViewerFraming
    {
        public override int PacketPrefix => 0;
        public override void WriteHeader(PipeWriter writer, ReadOnlySpan<byte> asfHeader) => writer.Write(asfHeader);
        public override void WritePrefix(Span<byte> destination, uint locationId, int length) { }
        public override void WriteEnd(PipeWriter writer) { }
    }

    /// <summary>MS-WMSP 2.2.3 framing: one <c>$H</c> (ffmpeg reads only the first, docs/protocol/mmsh.md#s2.5), a <c>$D</c> per packet, <c>$E</c> at the end.</summary>
    private sealed class WmspFraming : ViewerFraming
    {
        private byte _sequence;

        public override int PacketPrefix => MmshFraming.DataPrefixSize;
        public override void WriteHeader(PipeWriter writer, ReadOnlySpan<byte> asfHeader) => MmshFraming.WriteHeader(writer, asfHeader);

        public override void WritePrefix(Span<byte> destination, uint locationId, int length)
        {
            MmshFraming.WriteDataPrefix(destination, MmshChunkType.Data, locationId, 0, _sequence, length);
            _sequence = _sequence == 254 ? (byte)0 : (byte)(_sequence + 1);
        }

        public override void WriteEnd(PipeWriter writer) => MmshFraming.WriteEndOfStream(writer);

        public override void ContinueAfter(long sequence) => _sequence = (byte)((sequence + 1) % 255);
    }
}
