using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Asf.Selection;
using MmsGateway.Observability;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

/// <summary>
/// Sends one viewer its share of a hub: the rewritten header, then packets from its ring cursor, gathered into
/// one write per wake-up (coalesced, straight into the response's pipe buffer). A viewer that lags is thinned
/// for itself alone — past half the ring only video key frames, past three quarters no video — and recovers when
/// it catches up; a viewer a whole ring behind is ended by the hub. Nobody else waits for it.
/// </summary>
/// <remarks>
/// The fan-out fast path (benchmarks/README.md, "Fan-out"): viewers with the same flush interval share a few
/// <see cref="FlushClock"/>s, so a thousand viewers cost at most nine timers, wake in groups once per interval and
/// write everything new in one flush each; nothing is allocated per packet. A viewer whose filter passes every packet
/// unchanged (all streams, no thinning, synchronised) is not parsed at all: on a taken-over connection
/// (<see cref="DirectViewerConnection"/>) its packets go to the kernel straight from the ring (<see cref="SlotGather"/>),
/// sent by its clock's tick while its own loop sleeps (<see cref="ParkedSender"/>); otherwise ring slots are copied
/// into the response's pipe.
/// </remarks>
public sealed class LiveViewerPump(StreamHub hub, HubViewer viewer, ViewerFraming framing, AsfStreamSet streams, GatewayMetrics metrics, TimeSpan flushInterval)
{
    /// <summary>Most bytes written before a flush: bounds the pipe memory of a viewer catching up.</summary>
    private const int BatchBytes = 64 * 1024;

    /// <summary>
    /// Clocks per flush interval for viewers written through a pipe. They are spread over a few clocks, each started
    /// when first needed (so at its own phase): the writes of a large audience come in several smaller bursts per
    /// interval rather than one, which keeps the response buffers in flight at once, and so the memory pool's
    /// high-water mark, a fraction as large. Taken-over viewers, which are sent from the ring and hold no buffers, all
    /// share one clock (<see cref="DirectPhase"/>): each clock tick wakes the thread pool, and with eight clocks the
    /// wake-ups cost about a seventh of the fan-out's CPU (benchmarks/README.md, "Session 6").
    /// </summary>
    private const int ClocksPerInterval = 8;

    /// <summary>The clock of the taken-over viewers of an interval (the others have phases 0 to 7).</summary>
    private const int DirectPhase = -1;

    private static readonly ConcurrentDictionary<(TimeSpan Interval, int Phase), FlushClock> Clocks = new();
    private static int _nextPhase;

    /// <param name="output">Where the header and any rewritten packet go.</param>
    /// <param name="direct">
    /// The viewer's socket when the connection was taken over (<see cref="DirectViewerConnection"/>, whose
    /// <see cref="DirectViewerConnection.Writer"/> is then <paramref name="output"/>): packets that pass unchanged are then
    /// sent from the ring slots themselves.
    /// </param>
    public async Task RunAsync(PipeWriter output, DirectViewerConnection? direct, CancellationToken cancellationToken)
    {
        try
        {
            await RunCoreAsync(output, direct, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (direct is not null && e is IOException or SocketException or ObjectDisposedException)
        {
            // The viewer closed its connection, or it was aborted because the viewer ended: on Kestrel's pipe the same is a
            // completed flush, not an error.
        }
    }

    private async Task RunCoreAsync(PipeWriter output, DirectViewerConnection? direct, CancellationToken cancellationToken)
    {
        var stream = viewer.Stream;
        var ring = stream.Ring;
        var header = stream.Header;
        var selection = new AsfStreamSelection(header);
        selection.Select(streams.Numbers.Select(n => (0xFFFF, n, ThinningLevel.Full)), unlistedOff: true);
        selection.Resynchronize();
        var video = ViewerStreams.Video(header, streams);
        var carried = header.AllStreams;

        framing.WriteHeader(output, stream.ViewerHeader(streams));
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, viewer.Closed);
        var ct = linked.Token;
        using var abortOnEnd = direct?.AbortOn(ct) ?? default;
        var gather = direct is not null && SlotGather.Fits(framing, ring) ? new SlotGather(direct, framing, ring) : null;
        // Only while packets are filtered: a viewer that passes everything gives it back (see ReturnScratch).
        byte[]? scratch = null;
        try
        {
            var thinning = ThinningLevel.Full;
            var passThrough = false;
            var phase = gather is not null ? DirectPhase : (int)((uint)Interlocked.Increment(ref _nextPhase) % ClocksPerInterval);
            var clock = flushInterval > TimeSpan.Zero ? Clocks.GetOrAdd((flushInterval, phase), static k => new FlushClock(k.Interval, TimeProvider.System)) : null;
            AsfPayloadPacker? packer = null;
            byte[]? source = null;
            uint lastSequence = 0;
            while (!ct.IsCancellationRequested)
            {
                await viewer.WaitAsync(ct).ConfigureAwait(false);
                // Coalescing: wait for the shared tick so the packets published meanwhile go out in the same write. The
                // tick comes within one interval, so cancellation is seen at the latest then (no per-wait registration).
                if (clock is not null && OnFastPath(gather, passThrough, thinning, packer))
                {
                    // The fast path parks with the clock, which sends for it on each tick (SendFromTick) and resumes this
                    // loop only for what it cannot finish there.
                    _parked ??= new ParkedSender(this, viewer, gather, output, ct);
                    await clock.ParkAsync(_parked).ConfigureAwait(false);
                    if (_parked.TakeUnfinished() is { } unfinished && await FinishSendAsync(unfinished, output, ct).ConfigureAwait(false) == SendOutcome.End)
                        return;
                }
                else if (clock is not null) await clock.NextTick().ConfigureAwait(false);
                while (!ct.IsCancellationRequested)
                {
                    var published = ring.Published;
                    if (viewer.Cursor > published) break;

                    var level = Thinning(thinning, published - viewer.Cursor + 1, ring.Capacity);
                    if (level != thinning && !video.IsEmpty)
                    {
                        thinning = level;
                        selection.Select(video.Numbers.Select(v => (0xFFFF, v, thinning)), unlistedOff: false);
                        passThrough = false;
                    }

                    long bytes = 0, thinned = 0;
                    if (OnFastPath(gather, passThrough, thinning, packer))
                    {
                        // The fast path: every packet goes out as the ring holds it, straight from its slot.
                        var outcome = await FinishSendAsync(gather.SendAsync(viewer, published, output, ct), output, ct).ConfigureAwait(false);
                        if (outcome == SendOutcome.End) return;
                        if (outcome == SendOutcome.Nothing) break;
                        continue;
                    }
                    if (thinning == ThinningLevel.Full && packer is { HasPending: true }) bytes += Emit(output, packer, lastSequence);
                    while (viewer.Cursor <= published && bytes < BatchBytes)
                    {
                        if (thinning != ThinningLevel.Full)
                        {
                            // Thinned: the surviving payloads are packed into fresh packets, so fewer bytes go out
                            // (see AsfPayloadPacker); ring slots are copied aside since packed packets go into the pipe.
                            packer ??= new AsfPayloadPacker(ring.PacketSize);
                            source ??= new byte[ring.PacketSize];
                            if (!ring.TryCopy(viewer.Cursor, source, out var thinEntry))
                            {
                                if (viewer.Cursor < ring.Oldest) return;
                                break;
                            }
                            viewer.Cursor++;
                            lastSequence = (uint)thinEntry.Sequence;
                            scratch ??= ArrayPool<byte>.Shared.Rent(ring.PacketSize);
                            var filtered = selection.Apply(source.AsSpan(0, thinEntry.Length), scratch);
                            if (filtered == AsfPacketFilterResult.Empty)
                            {
                                thinned++;
                                continue;
                            }
                            var kept = filtered == AsfPacketFilterResult.Rebuilt ? scratch.AsSpan(0, thinEntry.Length) : source.AsSpan(0, thinEntry.Length);
                            bytes += Pack(output, packer, kept, lastSequence, ref thinned);
                            continue;
                        }
                        var span = output.GetSpan(framing.PacketPrefix + ring.PacketSize);
                        var packet = span.Slice(framing.PacketPrefix, ring.PacketSize);
                        if (!ring.TryCopy(viewer.Cursor, packet, out var entry))
                        {
                            // Overwritten under us: the hub ends this viewer (counted there).
                            if (viewer.Cursor < ring.Oldest) return;
                            break;
                        }
                        viewer.Cursor++;
                        if (!passThrough)
                        {
                            scratch ??= ArrayPool<byte>.Shared.Rent(ring.PacketSize);
                            var result = selection.Apply(packet[..entry.Length], scratch);
                            passThrough = selection.PassesUnchanged(carried);
                            if (result == AsfPacketFilterResult.Empty)
                            {
                                if (thinning != ThinningLevel.Full) thinned++;
                                continue;
                            }
                            if (result == AsfPacketFilterResult.Rebuilt) scratch.AsSpan(0, entry.Length).CopyTo(packet);
                            if (passThrough) ReturnScratch(ref scratch);
                        }
                        framing.WritePrefix(span, (uint)entry.Sequence, entry.Length);
                        output.Advance(framing.PacketPrefix + entry.Length);
                        bytes += framing.PacketPrefix + entry.Length;
                        // Once the filter knows every packet passes, the rest goes out from the ring slots (the gathered
                        // send) instead of being copied: a joining viewer's burst from the last key frame would otherwise
                        // take up to a batch of pooled pipe buffers per viewer.
                        if (OnFastPath(gather, passThrough, thinning, packer)) break;
                    }
                    // A packed packet waits for more payloads, but not past half a second of media (audio must keep flowing).
                    if (packer is { HasPending: true } && ring.TryGetEntry(published, out var newest) && newest.SendTime - packer.PendingSendTime >= PackHoldMs)
                        bytes += Emit(output, packer, lastSequence);
                    if (thinned > 0) metrics.PacketsDropped(hub.Name, thinning == ThinningLevel.KeyFramesOnly ? "viewer-keyframes-only" : "viewer-audio-only", thinned);
                    if (bytes == 0) break;
                    var flush = await output.FlushAsync(ct).ConfigureAwait(false);
                    CountBytes(bytes);
                    if (flush.IsCompleted || flush.IsCanceled) return;
                }
            }
        }
        finally
        {
            ReturnScratch(ref scratch);
            ReportBytes();
        }
    }

    /// <summary>
    /// Bytes sent and not yet added to <c>mmsgw_viewer_bytes</c>. A measurement with tags costs a series lookup
    /// (hashing the tags) in every listener, which at a send per viewer per flush was a few per cent of the fan-out's
    /// CPU; so each viewer adds its bytes at most once a second, and the rest when it ends.
    /// </summary>
    private long _unreportedBytes;
    private long _reportedAt = Environment.TickCount64;

    private const int ReportIntervalMs = 1000;

    private void CountBytes(long bytes)
    {
        _unreportedBytes += bytes;
        var now = Environment.TickCount64;
        if (now - _reportedAt < ReportIntervalMs) return;
        _reportedAt = now;
        ReportBytes();
    }

    private void ReportBytes()
    {
        if (_unreportedBytes == 0) return;
        metrics.ViewerBytes(hub.Name, viewer.Output, _unreportedBytes);
        _unreportedBytes = 0;
    }

    /// <summary>
    /// Whether the viewer's packets go out as the ring holds them, straight from its slots: a taken-over connection the
    /// ring's framing fits, a filter that passes every packet unchanged, no thinning, and no packed packet waiting.
    /// </summary>
    private static bool OnFastPath([NotNullWhen(true)] SlotGather? gather, bool passThrough, ThinningLevel thinning, AsfPayloadPacker? packer) =>
        gather is not null && passThrough && thinning == ThinningLevel.Full && packer is not { HasPending: true };

    private enum SendOutcome
    {
        Sent,
        Nothing,
        End,
    }

    /// <summary>Waits for a gathered send and settles it: bytes counted, a copied rest flushed, a torn send ended.</summary>
    private async ValueTask<SendOutcome> FinishSendAsync(ValueTask<(long Sent, bool Copied)> send, PipeWriter output, CancellationToken ct)
    {
        var (sent, copied) = await send.ConfigureAwait(false);
        if (sent < 0)
        {
            // A slot was reused before all of it was with the kernel or copied: what this viewer got may be torn, so it
            // ends (it was a whole ring behind; the hub would end it too).
            metrics.PacketsDropped(hub.Name, "slow-viewer", 1);
            return SendOutcome.End;
        }
        if (sent == 0) return viewer.Cursor < viewer.Stream.Ring.Oldest ? SendOutcome.End : SendOutcome.Nothing;
        if (copied && await output.FlushAsync(ct).ConfigureAwait(false) is { IsCompleted: true } or { IsCanceled: true }) return SendOutcome.End;
        CountBytes(sent);
        return SendOutcome.Sent;
    }

    /// <summary>Made when the viewer first parks with its clock (only fast-path viewers do).</summary>
    private ParkedSender? _parked;

    /// <summary>Most gathered sends one tick makes for a parked viewer before handing it back to its own loop.</summary>
    private const int ParkedSendsPerTick = 4;

    /// <summary>
    /// A fast-path viewer waiting for its clock's tick. On each tick the clock calls <see cref="SendFromTick"/> on its own
    /// thread, which sends everything new straight from the ring as the viewer's loop would, without waking that loop:
    /// with a few hundred viewers, a thread-pool work item, an async resumption and two waits per viewer per tick were a
    /// large part of what the gateway itself spent. Whatever the tick cannot finish at once (the socket's buffer full, a
    /// copied rest to flush, a viewer falling behind into thinning, the viewer ending) resumes the loop, which picks up
    /// the unfinished send. The loop is suspended while parked, so the tick has the viewer's state to itself.
    /// </summary>
    private sealed class ParkedSender(LiveViewerPump pump, HubViewer viewer, SlotGather gather, PipeWriter output, CancellationToken ct) : IValueTaskSource, IParkedSender
    {
        private ManualResetValueTaskSourceCore<bool> _resume = new() { RunContinuationsAsynchronously = true };
        private ValueTask<(long Sent, bool Copied)>? _unfinished;

        /// <inheritdoc/>
        public ValueTask Prepare()
        {
            _resume.Reset();
            return new ValueTask(this, _resume.Version);
        }

        /// <summary>
        /// Called by the clock on a tick; false when the loop must take over (then <see cref="Resume"/> follows). Never
        /// throws: a failed send is handed to the loop, which fails with it as if it had sent itself.
        /// </summary>
        public bool SendFromTick()
        {
            if (ct.IsCancellationRequested) return false;
            var ring = viewer.Stream.Ring;
            try
            {
                for (var i = 0; i < ParkedSendsPerTick; i++)
                {
                    var published = ring.Published;
                    if (viewer.Cursor > published) return true;
                    if (Thinning(ThinningLevel.Full, published - viewer.Cursor + 1, ring.Capacity) != ThinningLevel.Full) return false;
                    var send = gather.SendAsync(viewer, published, output, ct);
                    if (!send.IsCompletedSuccessfully)
                    {
                        _unfinished = send; // the rest is being sent piece by piece: the loop waits for it
                        return false;
                    }
                    var result = send.Result;
                    if (result is not { Sent: > 0, Copied: false })
                    {
                        _unfinished = ValueTask.FromResult(result);
                        return false;
                    }
                    pump.CountBytes(result.Sent);
                }
            }
            catch (Exception e)
            {
                _unfinished = ValueTask.FromException<(long, bool)>(e);
            }
            return false;
        }

        public void Resume() => _resume.SetResult(true);

        /// <summary>The send a tick started and could not finish, for the loop to settle.</summary>
        public ValueTask<(long Sent, bool Copied)>? TakeUnfinished()
        {
            var unfinished = _unfinished;
            _unfinished = null;
            return unfinished;
        }

        void IValueTaskSource.GetResult(short token) => _resume.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _resume.GetStatus(token);

        void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _resume.OnCompleted(continuation, state, token, flags);
    }

    /// <summary>Gives the filter's scratch packet back to the pool: a viewer passing every packet holds none.</summary>
    private static void ReturnScratch(ref byte[]? scratch)
    {
        if (scratch is null) return;
        ArrayPool<byte>.Shared.Return(scratch);
        scratch = null;
    }

    private const uint PackHoldMs = 500;

    /// <summary>
    /// Packs the payloads of one thinned packet, writing out each packet that fills up. A packet holding a payload too
    /// big to pack goes out as it is, after whatever was waiting, so the order never changes. Returns the bytes written.
    /// </summary>
    private long Pack(PipeWriter output, AsfPayloadPacker packer, ReadOnlySpan<byte> packet, uint sequence, ref long thinned)
    {
        Span<AsfPayload> payloads = stackalloc AsfPayload[AsfPacketParser.MaxPayloads];
        var header = AsfPacketParser.Parse(packet, packet.Length, payloads);
        long written = 0;
        foreach (var p in payloads[..header.PayloadCount])
        {
            if (packer.CanPack(p)) continue;
            if (packer.HasPending) written += Emit(output, packer, sequence);
            var span = output.GetSpan(framing.PacketPrefix + packet.Length);
            packet.CopyTo(span[framing.PacketPrefix..]);
            framing.WritePrefix(span, sequence, packet.Length);
            output.Advance(framing.PacketPrefix + packet.Length);
            return written + framing.PacketPrefix + packet.Length;
        }
        foreach (var p in payloads[..header.PayloadCount])
        {
            if (packer.TryAdd(packet, p, header.SendTime)) continue;
            written += Emit(output, packer, sequence);
            packer.TryAdd(packet, p, header.SendTime);
        }
        // Every source packet folded into another one is a packet this viewer did not get.
        thinned++;
        return written;
    }

    /// <summary>Writes the packer's waiting packet to the viewer; returns the bytes written.</summary>
    private long Emit(PipeWriter output, AsfPayloadPacker packer, uint sequence)
    {
        var span = output.GetSpan(framing.PacketPrefix + packer.PacketSize);
        var length = packer.Flush(span[framing.PacketPrefix..]);
        framing.WritePrefix(span, sequence, length);
        output.Advance(framing.PacketPrefix + length);
        return framing.PacketPrefix + length;
    }

    /// <summary>Thinning by how much of the ring the viewer has not read yet, with hysteresis so it does not flap.</summary>
    internal static ThinningLevel Thinning(ThinningLevel current, long lag, int capacity) =>
        lag > capacity * 3 / 4 ? ThinningLevel.Off
        : lag > capacity / 2 ? ThinningLevel.KeyFramesOnly
        : current != ThinningLevel.Full && lag > capacity / 4 ? current
        : ThinningLevel.Full;

    /// <summary>
    /// The gathered send of a taken-over viewer: everything new goes out in one <c>sendmsg</c> straight from the ring.
    /// With MS-WMSP framing the ring's own <c>$D</c> prefixes go too, so consecutive packets are one contiguous run (one
    /// iovec, two where the ring wraps); plain ASF takes an iovec per packet, leaving the prefixes out. What the socket's
    /// buffer does not take at once is, for a viewer near the head of the ring (a joining viewer's burst, a short
    /// stall), sent once the socket has room, copied out of the ring a 16-KB piece at a time (no pipe buffers held). A
    /// viewer further behind gets the rest copied into its pipe instead, so that its loop goes on (and its thinning,
    /// which follows its lag). The first slot is checked after the bytes were with the kernel or copied (seqlock,
    /// <see cref="PacketRing.Holds"/>; the ring reuses slots in order, so the oldest one tells for all): if it was
    /// reused meanwhile, the viewer cannot be trusted to have received whole packets and ends.
    /// </summary>
    private sealed class SlotGather(DirectViewerConnection connection, ViewerFraming framing, PacketRing ring)
    {
        /// <summary>For <see cref="GatheredSend"/> where it cannot call <c>sendmsg</c> itself.</summary>
        private readonly List<ArraySegment<byte>> _fallback = [];

        /// <summary>The ranges the socket did not take at once, sent when it has room (made at the first such send).</summary>
        private (int Offset, int Length)[]? _rest;

        /// <summary>
        /// Whether <paramref name="framing"/> can be sent from <paramref name="ring"/>: plain ASF always, MS-WMSP when the
        /// ring carries the <c>$D</c> prefixes (the hub's rings do, <see cref="ViewerFraming.WriteRingPrefix"/>).
        /// </summary>
        public static bool Fits(ViewerFraming framing, PacketRing ring) => framing.PacketPrefix == 0 || framing.PacketPrefix == ring.PrefixSize;

        /// <summary>
        /// Sends from the viewer's cursor up to <paramref name="published"/> (at most <see cref="BatchBytes"/>). Completes
        /// at once when the socket's buffer takes everything (the usual case) or when the rest was copied into
        /// <paramref name="output"/> (Copied: the caller must flush it); otherwise when the rest has been sent, which
        /// for a stalled viewer lasts until the hub ends it and its connection is aborted.
        /// Sent is the bytes taken, 0 if there was nothing to send, -1 if a slot was reused before it was sent or copied.
        /// </summary>
        public ValueTask<(long Sent, bool Copied)> SendAsync(HubViewer viewer, long published, PipeWriter output, CancellationToken cancellationToken)
        {
            var framed = framing.PacketPrefix > 0;
            var first = viewer.Cursor;
            long bytes = 0;
            Span<(int Offset, int Length)> ranges = stackalloc (int, int)[GatheredSend.MaxRanges];
            var count = 0;
            int runStart = -1, runEnd = -1;
            while (viewer.Cursor <= published && bytes + ring.Stride <= BatchBytes)
            {
                if (!ring.TryGetPublished(viewer.Cursor, out var entry)) break;
                var slot = ring.SlotOffset(viewer.Cursor);
                var start = framed ? slot : slot + ring.PrefixSize;
                var end = slot + ring.PrefixSize + entry.Length;
                if (start != runEnd)
                {
                    if (runStart >= 0)
                    {
                        if (count == ranges.Length - 1) break; // the last range is the one being built
                        ranges[count++] = (runStart, runEnd - runStart);
                    }
                    runStart = start;
                }
                runEnd = end;
                bytes += end - start;
                viewer.Cursor++;
            }
            if (bytes == 0) return ValueTask.FromResult((0L, false));
            ranges[count++] = (runStart, runEnd - runStart);
            ranges = ranges[..count];

            // One sendmsg, as much as the socket buffer takes (the socket is non-blocking: DirectViewerConnection).
            var sent = GatheredSend.Send(connection.Socket, ring.Buffer, ranges, _fallback);
            framing.ContinueAfter(viewer.Cursor - 1);
            if (sent == bytes) return ValueTask.FromResult((ring.Holds(first) ? bytes : -1, false));

            var fromRing = published - first <= ring.Capacity / NearHeadShare;
            if (fromRing) _rest ??= new (int, int)[GatheredSend.MaxRanges];
            var rest = 0;
            var skip = sent;
            foreach (var (offset, length) in ranges)
            {
                if (skip >= length)
                {
                    skip -= length;
                    continue;
                }
                if (fromRing) _rest![rest++] = (offset + (int)skip, length - (int)skip);
                else output.Write(ring.Buffer.AsSpan(offset + (int)skip, length - (int)skip));
                skip = 0;
            }
            return fromRing ? SendRestAsync(first, bytes, rest, cancellationToken) : ValueTask.FromResult((ring.Holds(first) ? bytes : -1, true));
        }

        /// <summary>
        /// A viewer whose batch starts within this share of the ring's newest packets is sent the rest piece by piece
        /// while its loop waits: the hub then has at least three quarters of the ring to write before it reuses the
        /// batch's slots (about 20 s of a 2.5 Mbit/s stream with the default 8 MB ring), far longer than a socket that is
        /// being read takes to drain.
        /// </summary>
        private const int NearHeadShare = 4;

        /// <summary>Most bytes copied out of the ring for one asynchronous send.</summary>
        private const int RestPieceBytes = 16 * 1024;

        private async ValueTask<(long Sent, bool Copied)> SendRestAsync(long first, long bytes, int count, CancellationToken cancellationToken)
        {
            // Piece by piece through a pooled copy, each copy checked against the ring afterwards (seqlock): the kernel
            // takes a piece's bytes only when the socket has room, which for a viewer that stopped reading may come after
            // the hub has reused the slots; sent from the ring itself, that piece would reach the viewer torn. A viewer
            // whose slots were reused before a piece was copied gets nothing of it and ends.
            var piece = ArrayPool<byte>.Shared.Rent(RestPieceBytes);
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var (offset, length) = _rest![i];
                    while (length > 0)
                    {
                        var size = Math.Min(length, RestPieceBytes);
                        ring.Buffer.AsSpan(offset, size).CopyTo(piece);
                        if (!ring.Holds(first)) return (-1, false);
                        for (var sent = 0; sent < size;)
                        {
                            var taken = await connection.Socket.SendAsync(piece.AsMemory(sent, size - sent), SocketFlags.None, cancellationToken)
                                .ConfigureAwait(false);
                            if (taken <= 0) throw new SocketException((int)SocketError.ConnectionReset);
                            sent += taken;
                        }
                        offset += size;
                        length -= size;
                    }
                }
                return (bytes, false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(piece);
            }
        }
    }
}
