using System.Runtime.CompilerServices;
using MmsGateway.Asf;
using MmsGateway.Asf.Objects;
using MmsGateway.Asf.Files;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;

namespace MmsGateway.Mms.Recording;

/// <summary>What <see cref="AsfRecorder.RecordAsync"/> should do.</summary>
public sealed record AsfRecordOptions
{
    /// <summary>Stop after this much content (send time from the first packet kept); null: to the end.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The streams to keep; null: those the session selected.</summary>
    public AsfStreamSet? Streams { get; init; }

    /// <summary>Called about twice a second with the progress (for a terminal's status line).</summary>
    public Action<AsfRecordProgress>? Progress { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

public readonly record struct AsfRecordProgress(TimeSpan Content, long Packets, long Bytes);

/// <summary>How a recording ended.</summary>
public enum AsfRecordEnd
{
    /// <summary>The server ended the stream (on-demand content: the whole file is there).</summary>
    EndOfStream,

    /// <summary>The requested duration was reached.</summary>
    Duration,

    /// <summary>Cancelled (Ctrl+C): the file was finished with what had arrived.</summary>
    Interrupted,

    /// <summary>The stream changed its header (next playlist entry): one ASF file holds one header.</summary>
    HeaderChanged,

    /// <summary>The session failed (<see cref="AsfRecordResult.Error"/>); the file was finished with what had arrived.</summary>
    Failed,
}

/// <param name="ResumedAt">Packets the file already held when the recording resumed it (0 for a new file).</param>
public sealed record AsfRecordResult(
    string Path,
    AsfRecordEnd End,
    long Packets,
    long ResumedAt,
    TimeSpan Content,
    AsfStreamSet Streams,
    bool Seekable,
    MmsClientException? Error = null);

/// <summary>
/// Saves an <see cref="IMmsSession"/> as a finished ASF file with <see cref="AsfFileWriter"/> (docs/design.md#record):
/// <list type="bullet">
/// <item>the header rewritten to the kept streams and, at the end, to the real packet count, sizes and durations,
/// with a Simple Index over the first kept video stream, so the file is seekable (docs/protocol/asf.md#s4.3, docs/protocol/asf.md#s4.10);</item>
/// <item>the file starts at the first packet that begins a key frame of a kept video stream (a live join starts
/// anywhere), with its time stamps rebased so that it starts at the preroll like a file made from the start (send
/// time 0, first presentation at the preroll); a live header's broadcast flags become a file's;</item>
/// <item>on-demand content resumes: an existing partial recording of the same content (same File ID) is continued
/// after its last whole packet — the session seeks to a little before that packet's send time, the packet is found
/// again by its bytes, and the packets after it are appended; the result is one file as if never interrupted;</item>
/// <item>cancellation, a failure or a header change finish the file cleanly with what had arrived.</item>
/// </list>
/// Data path without allocation per packet: one scratch buffer for retiming, the writer's own for filtering.
/// </summary>
public static class AsfRecorder
{
    /// <summary>How far before the last packet's send time a resume seeks (the server starts at a key frame before).</summary>
    private static readonly TimeSpan ResumeLead = TimeSpan.FromSeconds(3);

    public static async Task<AsfRecordResult> RecordAsync(IMmsSession session, string path, AsfRecordOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        AsfHeader source = session.Header;
        ResumePoint? resume = ResumePoint.Find(path, session);
        AsfStreamSet keep = resume?.Streams ?? Keep(source, options.Streams ?? session.SelectedStreams);

        await using var output = new FileStream(path, resume is null ? FileMode.Create : FileMode.Open, FileAccess.ReadWrite,
            FileShare.Read, 1 << 16, useAsync: true);
        await using AsfFileWriter writer = resume is null
            ? new AsfFileWriter(output, source, keep)
            : await AsfFileWriter.ResumeAsync(output, source, keep, resume.DataStart, resume.Packets, cancellationToken)
                .ConfigureAwait(false);
        if (resume is null) await writer.WriteHeaderAsync(cancellationToken).ConfigureAwait(false);

        var state = new RecordState(source, keep, writer, options, resume);
        AsfRecordEnd end;
        MmsClientException? error = null;
        try
        {
            if (resume is not null) await SeekForResumeAsync(session, resume, cancellationToken).ConfigureAwait(false);
            end = await CopyAsync(session, state, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            end = AsfRecordEnd.Interrupted;
        }
        catch (MmsClientException e)
        {
            end = AsfRecordEnd.Failed;
            error = e;
        }

        // A whole on-demand file keeps the source's own durations; anything else gets measured ones.
        FileProperties0 fp = new(source);
        if (!session.IsBroadcast && end == AsfRecordEnd.EndOfStream && keep == source.AllStreams
            && (ulong)writer.PacketsWritten == fp.Packets && fp.PlayDuration > 0)
        {
            await writer.CompleteAsync(fp.PlayDuration, fp.SendDuration, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await writer.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }

        bool seekable = source.Streams.Any(s => s.Type == AsfStreamType.Video && keep.Contains(s.StreamNumber))
            && writer.PacketsWritten > 0;
        return new AsfRecordResult(path, end, writer.PacketsWritten, resume?.Packets ?? 0, writer.ContentDuration, keep,
            seekable, error);
    }

    private readonly record struct FileProperties0(ulong Packets, ulong PlayDuration, ulong SendDuration)
    {
        public FileProperties0(AsfHeader header)
            : this(header.FileProperties.DataPacketsCount, header.FileProperties.PlayDuration, header.FileProperties.SendDuration)
        {
        }
    }

    private static AsfStreamSet Keep(AsfHeader source, AsfStreamSet wanted)
    {
        AsfStreamSet keep = wanted.Intersect(source.AllStreams);
        if (!wanted.IsEmpty && keep != wanted)
        {
            throw new ArgumentException(
                $"stream {string.Join(",", wanted.Numbers.Where(n => !source.AllStreams.Contains(n)))} is not in the stream (streams {source.AllStreams})");
        }

        return keep.IsEmpty ? source.AllStreams : keep;
    }

    /// <summary>Reads packets into the writer until the end, the duration, a header change or cancellation.</summary>
    private static async Task<AsfRecordEnd> CopyAsync(IMmsSession session, RecordState state, CancellationToken cancellationToken)
    {
        while (true)
        {
            MmsReadResult read = await session.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (read.Kind)
            {
                case MmsReadResultKind.EndOfStream:
                    return AsfRecordEnd.EndOfStream;
                case MmsReadResultKind.HeaderChanged:
                    return AsfRecordEnd.HeaderChanged;
            }

            if (await state.AddAsync(read.Packet, cancellationToken).ConfigureAwait(false)) return AsfRecordEnd.Duration;
            if (state.NeedsEarlierSeek)
            {
                await session.SeekAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                state.Reseeked();
            }
        }
    }

    /// <summary>Seeks to a little before the file's last packet (docs/protocol/mmst.md#s1.6.2, docs/protocol/mmsh.md#s2.8).</summary>
    private static async Task SeekForResumeAsync(IMmsSession session, ResumePoint resume, CancellationToken cancellationToken)
    {
        TimeSpan position = TimeSpan.FromMilliseconds(resume.LastSendTime) - ResumeLead;
        await session.SeekAsync(position < TimeSpan.Zero ? TimeSpan.Zero : position, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The per-recording state the packet loop needs.</summary>
    private sealed class RecordState
    {
        private readonly AsfHeader _source;
        private readonly AsfStreamSet _keep;
        private readonly AsfFileWriter _writer;
        private readonly AsfRecordOptions _options;
        private readonly ResumePoint? _resume;
        private readonly byte[] _scratch;
        private readonly byte[] _filtered;
        private readonly AsfStreamSet _videoKept;
        private readonly uint _preroll;
        private long _shift;
        private bool _started;
        private bool _matched;
        private readonly AsfStreamSet _wmv2;
        private readonly byte[] _trim;
        private AsfStreamSet _begun;
        private bool _trimmed;
        private int _trimmedPackets;
        private bool _sawEarlier;
        private bool _reseeked;
        private uint _firstSendTime;
        private long _lastProgress;
        private long _bytes;

        public RecordState(AsfHeader source, AsfStreamSet keep, AsfFileWriter writer, AsfRecordOptions options,
            ResumePoint? resume)
        {
            _source = source;
            _keep = keep;
            _writer = writer;
            _options = options;
            _resume = resume;
            _scratch = new byte[source.PacketSize];
            _filtered = new byte[source.PacketSize];
            _videoKept = AsfStreamSet.Of(source.Streams.Where(s => s.Type == AsfStreamType.Video && keep.Contains(s.StreamNumber))
                .Select(s => s.StreamNumber));
            _preroll = (uint)Math.Min(source.FileProperties.PrerollMs, 60_000);
            _wmv2 = AsfStreamSet.Of(source.Streams.Where(s => s.Video?.FourCcText.Equals("WMV2", StringComparison.OrdinalIgnoreCase) == true)
                .Select(s => s.StreamNumber));
            _trim = new byte[source.PacketSize];
            _started = resume is not null;
            _trimmed = resume is not null;
            _firstSendTime = writer.FirstSendTime ?? 0;
            _lastProgress = options.TimeProvider.GetTimestamp();
        }

        /// <summary>Resuming: the first packet after the seek was already past the file's end.</summary>
        public bool NeedsEarlierSeek { get; private set; }

        public void Reseeked()
        {
            NeedsEarlierSeek = false;
            _reseeked = true;
        }

        /// <summary>Writes one packet (or skips it); true once the requested duration is reached.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per packet
        public async ValueTask<bool> AddAsync(ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
        {
            int packetSize = _source.PacketSize;
            Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
            AsfPacket header = AsfPacketParser.Parse(packet.Span, packetSize, payloads);
            if (_resume is not null && !_matched && !MatchResume(packet.Span, header.SendTime)) return false;

            if (!_trimmed)
            {
                // Start at a key frame of a kept video stream (a live join, or a server such as VLC's that starts a
                // stream anywhere) and drop, stream by stream, what precedes that stream's first whole object (its
                // first key frame for video), so the decoder never sees a fragment or a frame without its reference.
                // A file played from its start loses nothing: it starts with whole objects and a key frame.
                if (_begun.IsEmpty && !_videoKept.IsEmpty && !HasKeyFrame(packet.Span, payloads[..header.PayloadCount])) return false;
                Span<bool> mask = stackalloc bool[header.PayloadCount];
                for (int i = 0; i < header.PayloadCount; i++)
                {
                    AsfPayload p = payloads[i];
                    if (!_keep.Contains(p.StreamNumber) || _begun.Contains(p.StreamNumber)) mask[i] = true;
                    else if (StartsObject(packet.Span, p))
                    {
                        _begun = _begun.With(p.StreamNumber);
                        mask[i] = true;
                    }
                }

                switch (AsfPacketWriter.Rebuild(packet.Span, header, payloads[..header.PayloadCount], mask, packetSize, _trim))
                {
                    case AsfPacketFilterResult.Empty:
                        return false;
                    case AsfPacketFilterResult.Rebuilt:
                        packet = _trim;
                        header = AsfPacketParser.Parse(packet.Span, packetSize, payloads);
                        break;
                }

                _trimmed = _begun == _keep || ++_trimmedPackets > 1000;
            }

            if (!_started)
            {
                // Rebase the times so the file starts at the preroll (send time 0, first presentation at the
                // preroll); a file played from its start is already so.
                uint firstPresentation = uint.MaxValue;
                foreach (AsfPayload p in payloads[..header.PayloadCount])
                {
                    if (_keep.Contains(p.StreamNumber) && (p.ReplicatedDataLength >= 8 || p.IsCompressed))
                        firstPresentation = Math.Min(firstPresentation, p.PresentationTime);
                }

                long content = firstPresentation == uint.MaxValue ? header.SendTime : Math.Max(0L, (long)firstPresentation - _preroll);
                _shift = -Math.Min(header.SendTime, content);
                _firstSendTime = (uint)(header.SendTime + _shift);
                _started = true;
            }

            // Signed: servers such as VLC's send a packet up to ~100 ms before the one ahead of it, so a send time may
            // fall below the first one; unsigned, that difference wrapped and ended the recording at once.
            long sendTime = Math.Max(0L, header.SendTime + _shift);
            if (_options.Duration is { } duration && sendTime - _firstSendTime >= duration.TotalMilliseconds) return true;

            ReadOnlyMemory<byte> bytes = packet;
            if (_shift != 0)
            {
                packet.Span.CopyTo(_scratch);
                AsfPacketRetimer.Shift(_scratch, packetSize, _shift);
                bytes = _scratch;
            }

            await _writer.WritePacketAsync(bytes, cancellationToken).ConfigureAwait(false);
            _bytes += packetSize;
            Report(sendTime);
            return false;
        }

        /// <summary>The payload begins a media object: for video, a real key frame (see <see cref="IsKeyFrame"/>).</summary>
        private bool StartsObject(ReadOnlySpan<byte> packet, AsfPayload p) =>
            (p.IsCompressed || p.OffsetIntoMediaObject == 0) && (!_videoKept.Contains(p.StreamNumber) || IsKeyFrame(packet, p));

        private bool HasKeyFrame(ReadOnlySpan<byte> packet, ReadOnlySpan<AsfPayload> payloads)
        {
            foreach (AsfPayload p in payloads)
            {
                if (_videoKept.Contains(p.StreamNumber) && IsKeyFrame(packet, p)) return true;
            }

            return false;
        }

        /// <summary>
        /// The start of a key frame. VLC's ASF muxer flags every frame as a key frame, so for WMV2 the picture type in
        /// the bitstream decides as well (first bit 0: intra picture).
        /// </summary>
        private bool IsKeyFrame(ReadOnlySpan<byte> packet, AsfPayload p) =>
            p.IsKeyFrame && !p.IsCompressed && p.OffsetIntoMediaObject == 0 && p.DataLength > 0
            && (!_wmv2.Contains(p.StreamNumber) || (packet[p.DataOffset] & 0x80) == 0);

        /// <summary>
        /// Resuming: skips packets up to and including the file's last one (found by its bytes, as the writer would
        /// have written it), or, when it does not come within a few seconds of its send time, up to that send time.
        /// </summary>
        private bool MatchResume(ReadOnlySpan<byte> packet, uint sendTime)
        {
            ResumePoint resume = _resume!;
            ReadOnlySpan<byte> candidate = packet;
            if (_keep != _source.AllStreams)
            {
                switch (AsfPacketWriter.Filter(packet, _source.PacketSize, _keep, AsfStreamSet.None, _filtered))
                {
                    case AsfPacketFilterResult.Empty:
                        candidate = default;
                        break;
                    case AsfPacketFilterResult.Rebuilt:
                        candidate = _filtered;
                        break;
                }
            }

            if (!candidate.IsEmpty && candidate.SequenceEqual(resume.LastPacket))
            {
                _matched = true;
                return false; // the last packet of the file itself: the next one is new
            }

            if (sendTime > resume.LastSendTime)
            {
                if (!_sawEarlier && !_reseeked)
                {
                    NeedsEarlierSeek = true; // the server started after the file's end: go back further
                    return false;
                }

                _matched = true; // passed it without an exact match: continue from the first later packet
                return true;
            }

            _sawEarlier = true;
            return false;
        }

        private void Report(long sendTime)
        {
            if (_options.Progress is not { } progress) return;
            TimeProvider time = _options.TimeProvider;
            if (time.GetElapsedTime(_lastProgress) < TimeSpan.FromMilliseconds(500)) return;
            _lastProgress = time.GetTimestamp();
            progress(new AsfRecordProgress(TimeSpan.FromMilliseconds(Math.Max(0L, sendTime - _firstSendTime)), _writer.PacketsWritten, _bytes));
        }
    }

    /// <summary>Where an existing partial recording of the same on-demand content stopped.</summary>
    private sealed record ResumePoint(long DataStart, long Packets, AsfStreamSet Streams, byte[] LastPacket, uint LastSendTime)
    {
        /// <summary>
        /// The partial file at <paramref name="path"/> if it is one this stream can continue: on-demand content, the same
        /// File ID and packet size, streams the stream has, at least one whole packet. Null for a missing or empty file.
        /// Anything else that exists is refused rather than overwritten.
        /// </summary>
        public static ResumePoint? Find(string path, IMmsSession session)
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length == 0) return null;
            AsfFile file;
            try
            {
                file = AsfFile.Open(path);
            }
            catch (AsfFormatException e)
            {
                throw new IOException($"{path} exists and is not an ASF file ({e.Message}); remove it or choose another name", e);
            }

            using (file)
            {
                AsfHeader header = session.Header;
                if (session.IsBroadcast)
                    throw new IOException($"{path} exists; live content cannot be resumed: remove it or choose another name");
                if (file.Header.FileProperties.FileId != header.FileProperties.FileId || file.PacketSize != header.PacketSize)
                    throw new IOException($"{path} exists and holds other content (another File ID); remove it or choose another name");
                AsfStreamSet streams = file.Header.AllStreams;
                if (streams.Intersect(header.AllStreams) != streams)
                    throw new IOException($"{path} exists with streams {streams} that this stream ({header.AllStreams}) does not have");
                if (file.PacketCount == 0) return null; // nothing to keep: start again
                byte[] last = new byte[file.PacketSize];
                file.ReadPacket(file.PacketCount - 1, last);
                uint sendTime = AsfPacketParser.ParseHeader(last, file.PacketSize).SendTime;
                return new ResumePoint(file.DataStart, file.PacketCount, streams, last, sendTime);
            }
        }
    }
}
