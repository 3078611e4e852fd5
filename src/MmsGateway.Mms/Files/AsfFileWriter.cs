using System.Buffers;
using MmsGateway.Asf;
using MmsGateway.Asf.Indexing;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;

namespace MmsGateway.Mms.Files;

/// <summary>
/// Writes a finished, seekable ASF file from a header and a sequence of full-size data packets: keeps only the
/// selected streams (header rewritten, payloads of other streams removed), counts the packets, builds a Simple
/// Index over the first selected video stream, and on <see cref="CompleteAsync"/> patches the header with the
/// real sizes and appends the index. The output stream must be seekable (the header is rewritten in place; its
/// length does not change between the provisional and the final version).
/// </summary>
public sealed class AsfFileWriter : IAsyncDisposable
{
    private readonly Stream _output;
    private readonly AsfHeader _source;
    private readonly AsfStreamSet _keep;
    private readonly bool _filter;
    private readonly int _packetSize;
    private readonly int _indexedStream;
    private readonly SimpleIndexBuilder _index = new();
    private readonly byte[] _scratch;
    private long _headerLength = -1;

    public AsfFileWriter(Stream output, AsfHeader source, AsfStreamSet keep)
    {
        if (!output.CanSeek) throw new ArgumentException("the output must be seekable", nameof(output));
        _output = output;
        _source = source;
        _keep = keep.Intersect(source.AllStreams);
        if (_keep.IsEmpty) throw new ArgumentException("no selected stream exists in the source", nameof(keep));
        _filter = _keep != source.AllStreams;
        _packetSize = source.PacketSize;
        _indexedStream = source.Streams.FirstOrDefault(s => s.Type == AsfStreamType.Video && _keep.Contains(s.StreamNumber))?.StreamNumber ?? 0;
        _scratch = ArrayPool<byte>.Shared.Rent(_packetSize);
    }

    public long PacketsWritten { get; private set; }
    public long PacketsDropped { get; private set; }

    /// <summary>Writes the provisional header (sizes patched on completion).</summary>
    public async ValueTask WriteHeaderAsync(CancellationToken cancellationToken)
    {
        var header = AsfHeaderWriter.Write(_source, _keep, new AsfDataLayout.File(0, 0, 0, 0));
        _headerLength = header.Length;
        await _output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one full-size packet (re-pad short packets with <see cref="AsfPacketWriter.Repad"/> first).</summary>
    public ValueTask WritePacketAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        if (_headerLength < 0) throw new InvalidOperationException("write the header first");
        var bytes = packet;
        if (_filter)
        {
            switch (AsfPacketWriter.Filter(packet.Span, _packetSize, _keep, AsfStreamSet.None, _scratch))
            {
                case AsfPacketFilterResult.Empty:
                    PacketsDropped++;
                    return ValueTask.CompletedTask;
                case AsfPacketFilterResult.Rebuilt:
                    bytes = _scratch.AsMemory(0, _packetSize);
                    break;
            }
        }
        if (_indexedStream != 0) Index(bytes.Span);
        PacketsWritten++;
        return _output.WriteAsync(bytes, cancellationToken);
    }

    private void Index(ReadOnlySpan<byte> packet)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, _packetSize, payloads);
        foreach (var p in payloads[..header.PayloadCount])
        {
            if (p.StreamNumber == _indexedStream)
                _index.AddPayload((uint)PacketsWritten, p.MediaObjectNumber, p.IsKeyFrame, p.StartsMediaObject, p.PresentationTime);
        }
    }

    /// <summary>
    /// Finishes the file: appends the Simple Index (when a video stream is kept) and rewrites the header with the
    /// packet count, sizes and the given durations (100-ns units, Play Duration including the preroll).
    /// </summary>
    public async ValueTask CompleteAsync(ulong playDuration, ulong sendDuration, CancellationToken cancellationToken)
    {
        byte[] index = [];
        if (_indexedStream != 0 && _index.HasEntries)
            index = _index.Build(_source.FileProperties.FileId, playDuration).ToBytes();
        await _output.WriteAsync(index, cancellationToken).ConfigureAwait(false);
        var header = AsfHeaderWriter.Write(_source, _keep, new AsfDataLayout.File((ulong)PacketsWritten, playDuration, sendDuration, index.Length));
        if (header.Length != _headerLength) throw new InvalidOperationException("header length changed between provisional and final header");
        _output.Seek(0, SeekOrigin.Begin);
        await _output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        ArrayPool<byte>.Shared.Return(_scratch);
        return ValueTask.CompletedTask;
    }
}
