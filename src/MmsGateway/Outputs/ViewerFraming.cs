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

    /// <summary>MS-WMSP 2.2.3 framing: one <c>$H</c> (ffmpeg reads only the first, §2.5), a <c>$D</c> per packet, <c>$E</c> at the end.</summary>
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
    }
}
