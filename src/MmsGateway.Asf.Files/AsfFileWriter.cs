using System.Buffers;
using MmsGateway.Asf;
using MmsGateway.Asf.Indexing;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Packets;

namespace MmsGateway.Asf.Files;

/// <summary>
/// Writes a finished, seekable ASF file from a header and a sequence of full-size data packets: keeps only the
/// selected streams (header rewritten, payloads of other streams removed), counts the packets, builds a Simple
/// Index over the first selected video stream, and on <see cref="CompleteAsync"/> patches the header with the
/// real sizes and appends the index. The output stream must be seekable (the header is rewritten in place; its
/// length does not change between the provisional and the final version). It also tracks the send and presentation
/// times of what it wrote, so a recording can be finished with durations measured from its own packets
/// (<see cref="CompleteAsync(CancellationToken)"/>), and <see cref="ResumeAsync"/> reopens a partial file at its last
/// whole packet.
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
    private uint _firstSendTime = uint.MaxValue;
    private uint _lastSendTime;
    private uint _lastDuration;
    private uint _minPresentation = uint.MaxValue;
    private uint _maxPresentation;

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

    /// <summary>Send time (ms) of the first packet written, or null before any.</summary>
    public uint? FirstSendTime => PacketsWritten == 0 ? null : _firstSendTime;

    /// <summary>Send time (ms) of the last packet written.</summary>
    public uint LastSendTime => _lastSendTime;

    /// <summary>
    /// The content time of the last presentation written (presentation times include the preroll, docs/protocol/asf.md#s4.3): what a
    /// player shows at the end of the file.
    /// </summary>
    public TimeSpan ContentDuration => PacketsWritten == 0
        ? TimeSpan.Zero
        : TimeSpan.FromMilliseconds(Math.Max(0, (long)_maxPresentation - (long)_source.FileProperties.PrerollMs));

    /// <summary>
    /// Reopens a file this writer made (a recording interrupted, or finished early) to continue it: keeps its first
    /// <paramref name="packets"/> whole packets, re-reads them for the index and the times, cuts whatever follows
    /// (a partial packet, the old index) and positions the stream after them. <paramref name="source"/> and
    /// <paramref name="keep"/> must be those the file was written with (the header length must match).
    /// </summary>
    public static async Task<AsfFileWriter> ResumeAsync(Stream output, AsfHeader source, AsfStreamSet keep, long dataStart,
        long packets, CancellationToken cancellationToken)
    {
        var writer = new AsfFileWriter(output, source, keep);
        try
        {
            var header = AsfHeaderWriter.Write(source, writer._keep, new AsfDataLayout.File(0, 0, 0, 0));
            if (header.Length != dataStart)
                throw new InvalidOperationException($"the file's header ({dataStart} bytes) is not the one this stream gives ({header.Length} bytes)");
            writer._headerLength = header.Length;
            var buffer = new byte[writer._packetSize];
            for (long i = 0; i < packets; i++)
            {
                output.Seek(dataStart + i * writer._packetSize, SeekOrigin.Begin);
                await output.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                writer.Track(buffer);
                writer.PacketsWritten++;
            }
            output.SetLength(dataStart + packets * writer._packetSize);
            output.Seek(0, SeekOrigin.End);
            return writer;
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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
        Track(bytes.Span);
        PacketsWritten++;
        return _output.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>
    /// The bulk form of <see cref="WritePacketAsync"/> for a file-to-file copy: filters <paramref name="count"/>
    /// full-size packets held back to back in <paramref name="packets"/> in place, moving the survivors to the front,
    /// and tracks them for the index and durations, without writing anything. Returns the bytes to write (a whole
    /// number of packets). Each packet is parsed once (filter and index share the parse) and nothing is allocated.
    /// </summary>
    public int FilterInPlace(Span<byte> packets, int count)
    {
        if (_headerLength < 0) throw new InvalidOperationException("write the header first");
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        Span<bool> keep = stackalloc bool[AsfPacketParser.MaxPayloads];
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            var packet = packets.Slice(i * _packetSize, _packetSize);
            var header = AsfPacketParser.Parse(packet, _packetSize, payloads);
            var flags = keep[..header.PayloadCount];
            var destination = packets.Slice(kept * _packetSize, _packetSize);
            if (_filter)
            {
                for (var k = 0; k < flags.Length; k++) flags[k] = _keep.Contains(payloads[k].StreamNumber);
                switch (AsfPacketWriter.Rebuild(packet, header, payloads[..header.PayloadCount], flags, _packetSize, _scratch))
                {
                    case AsfPacketFilterResult.Empty:
                        PacketsDropped++;
                        continue;
                    case AsfPacketFilterResult.Rebuilt:
                        _scratch.AsSpan(0, _packetSize).CopyTo(destination);
                        break;
                    default:
                        if (kept != i) packet.CopyTo(destination);
                        break;
                }
            }
            else
            {
                flags.Fill(true);
            }
            // A rebuilt packet keeps the payload headers and the packet's send time and duration of its survivors.
            Track(header, payloads[..header.PayloadCount], flags);
            PacketsWritten++;
            kept++;
        }
        return kept * _packetSize;
    }

    /// <summary>Index entries of the indexed stream, and the times the durations come from.</summary>
    private void Track(ReadOnlySpan<byte> packet)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, _packetSize, payloads);
        Span<bool> all = stackalloc bool[header.PayloadCount];
        all.Fill(true);
        Track(header, payloads[..header.PayloadCount], all);
    }

    private void Track(in AsfPacket header, ReadOnlySpan<AsfPayload> payloads, ReadOnlySpan<bool> written)
    {
        if (PacketsWritten == 0 || header.SendTime < _firstSendTime) _firstSendTime = header.SendTime;
        if (header.SendTime >= _lastSendTime)
        {
            _lastSendTime = header.SendTime;
            _lastDuration = header.Duration;
        }
        for (var i = 0; i < payloads.Length; i++)
        {
            if (!written[i]) continue;
            var p = payloads[i];
            if (p.StreamNumber == _indexedStream)
                _index.AddPayload((uint)PacketsWritten, p.MediaObjectNumber, p.IsKeyFrame, p.StartsMediaObject, p.PresentationTime);
            if (p.ReplicatedDataLength >= 8 || p.IsCompressed)
            {
                _minPresentation = Math.Min(_minPresentation, p.PresentationTime);
                _maxPresentation = Math.Max(_maxPresentation, p.PresentationTime);
            }
        }
    }

    /// <summary>
    /// Finishes the file with durations measured from the packets written: Play Duration up to the last presentation
    /// time (it includes the preroll, docs/protocol/asf.md#s4.3), Send Duration from the first to the last send time plus that packet's
    /// duration. Returns them (100-ns units).
    /// </summary>
    public async ValueTask<(ulong PlayDuration, ulong SendDuration)> CompleteAsync(CancellationToken cancellationToken)
    {
        ulong play = PacketsWritten == 0 ? 0 : (ulong)Math.Max(_maxPresentation, (uint)_source.FileProperties.PrerollMs) * 10_000;
        ulong send = PacketsWritten == 0 ? 0 : ((ulong)(_lastSendTime - _firstSendTime) + _lastDuration) * 10_000;
        await CompleteAsync(play, send, cancellationToken).ConfigureAwait(false);
        return (play, send);
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
