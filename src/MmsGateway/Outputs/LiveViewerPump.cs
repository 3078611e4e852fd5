using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Sockets;
using MmsGateway.Asf;
using MmsGateway.Asf.Selection;
using MmsGateway.Observability;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

/// <summary>
/// The loop of one live viewer of a hub: the rewritten header, then packets from its ring cursor, gathered into one
/// write per wake-up. A viewer that lags is thinned for itself alone (<see cref="ViewerThinning"/>) and recovers when it
/// catches up; a viewer a whole ring behind is ended by the hub. Nobody else waits for it.
/// </summary>
/// <remarks>
/// Each wake-up goes one of three ways, chosen here and done elsewhere:
/// <list type="bullet">
/// <item>sent from the ring (<see cref="RingSender"/>, parked with the clock: <see cref="ParkedSender"/>) when the sink
/// has a socket, the selection passes every packet unchanged and nothing is thinned: the fan-out fast path
/// (benchmarks/README.md, "Fan-out"), on which nothing is parsed or copied;</item>
/// <item>copied into the sink's pipe and filtered in place (<see cref="FilteredCopyWriter"/>) otherwise;</item>
/// <item>thinned and re-packed (<see cref="ThinnedWriter"/>) while the viewer lags.</item>
/// </list>
/// Viewers with the same flush interval share a few <see cref="FlushClock"/>s (<see cref="FlushClocks"/>), so a thousand
/// viewers cost at most nine timers, wake in groups once per interval and write everything new in one flush each;
/// nothing is allocated per packet.
/// </remarks>
public sealed class LiveViewerPump(StreamHub hub, HubViewer viewer, ViewerFraming framing, AsfStreamSet streams, GatewayMetrics metrics, TimeSpan flushInterval)
{
    /// <summary>Most bytes written before a flush: bounds the pipe memory of a viewer catching up.</summary>
    internal const int BatchBytes = 64 * 1024;

    private readonly ViewerByteCounter _bytes = new(metrics, hub.Name, viewer.Output);

    /// <summary>Made when the viewer first parks with its clock (only viewers sent from the ring do).</summary>
    private ParkedSender? _parked;

    /// <summary>Sends the viewer its stream into <paramref name="sink"/> until it ends or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(ViewerSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        try
        {
            await RunCoreAsync(sink, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (sink.IsSocket && e is IOException or SocketException or ObjectDisposedException)
        {
            // The viewer closed its connection, or it was aborted because the viewer ended: on Kestrel's pipe the same is a
            // completed flush, not an error.
        }
    }

    private async Task RunCoreAsync(ViewerSink sink, CancellationToken cancellationToken)
    {
        var stream = viewer.Stream;
        var ring = stream.Ring;
        var header = stream.Header;
        var selection = new AsfStreamSelection(header);
        selection.Select(streams.Numbers.Select(n => (0xFFFF, n, ThinningLevel.Full)), unlistedOff: true);
        selection.Resynchronize();
        var video = ViewerStreams.Video(header, streams);
        var output = sink.Writer;

        framing.WriteHeader(output, stream.ViewerHeader(streams));
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, viewer.Closed);
        var ct = linked.Token;
        using var abortOnEnd = sink.AbortOn(ct);
        var fromRing = RingSender.For(sink, framing, ring);
        using var copy = new FilteredCopyWriter(framing, selection, header.AllStreams, ring.PacketSize);
        ThinnedWriter? thin = null;
        try
        {
            var thinning = ThinningLevel.Full;
            var clock = FlushClocks.For(flushInterval, sentFromRing: fromRing is not null);
            while (!ct.IsCancellationRequested)
            {
                await viewer.WaitAsync(ct).ConfigureAwait(false);
                // Coalescing: wait for the shared tick so the packets published meanwhile go out in the same write. The
                // tick comes within one interval, so cancellation is seen at the latest then (no per-wait registration).
                if (clock is not null && OnFastPath(fromRing, copy, thinning, thin))
                {
                    // The fast path parks with the clock, which sends for it on each tick (ParkedSender) and resumes this
                    // loop only for what it cannot finish there.
                    _parked ??= new ParkedSender(viewer, fromRing, output, _bytes, ct);
                    await clock.ParkAsync(_parked).ConfigureAwait(false);
                    if (_parked.TakeUnfinished() is { } unfinished && await FinishSendAsync(unfinished, output, ct).ConfigureAwait(false) == SendOutcome.End)
                        return;
                }
                else if (clock is not null) await clock.NextTick().ConfigureAwait(false);
                while (!ct.IsCancellationRequested)
                {
                    var published = ring.Published;
                    if (viewer.Cursor > published) break;

                    var level = ViewerThinning.Level(thinning, published - viewer.Cursor + 1, ring.Capacity);
                    if (level != thinning && !video.IsEmpty)
                    {
                        thinning = level;
                        selection.Select(video.Numbers.Select(v => (0xFFFF, v, thinning)), unlistedOff: false);
                        copy.SelectionChanged();
                    }

                    if (OnFastPath(fromRing, copy, thinning, thin))
                    {
                        // Every packet goes out as the ring holds it, straight from its slot.
                        var outcome = await FinishSendAsync(fromRing.SendAsync(viewer, published, output, ct), output, ct).ConfigureAwait(false);
                        if (outcome == SendOutcome.End) return;
                        if (outcome == SendOutcome.Nothing) break;
                        continue;
                    }

                    long bytes = 0, thinned = 0;
                    if (thinning == ThinningLevel.Full && thin is not null) bytes += thin.WritePending(output);
                    while (viewer.Cursor <= published && bytes < BatchBytes)
                    {
                        if (thinning != ThinningLevel.Full)
                        {
                            thin ??= new ThinnedWriter(framing, selection, ring.PacketSize);
                            if (!ring.TryCopy(viewer.Cursor, thin.Source, out var thinEntry))
                            {
                                if (viewer.Cursor < ring.Oldest) return; // overwritten under us: the hub ends this viewer
                                break;
                            }
                            viewer.Cursor++;
                            bytes += thin.Write(output, thinEntry.Length, (uint)thinEntry.Sequence, ref thinned);
                            continue;
                        }
                        // Copied once, from the ring straight into the pipe's buffer, and filtered there.
                        var span = output.GetSpan(framing.PacketPrefix + ring.PacketSize);
                        if (!ring.TryCopy(viewer.Cursor, span.Slice(framing.PacketPrefix, ring.PacketSize), out var entry))
                        {
                            if (viewer.Cursor < ring.Oldest) return; // overwritten under us: the hub ends this viewer (counted there)
                            break;
                        }
                        viewer.Cursor++;
                        var framed = copy.Write(span, entry.Length, (uint)entry.Sequence);
                        if (framed == 0) continue;
                        output.Advance(framed);
                        bytes += framed;
                        // Once the filter knows every packet passes, the rest goes out from the ring slots instead of being
                        // copied: a joining viewer's burst from the last key frame would otherwise take up to a batch of
                        // pooled pipe buffers per viewer.
                        if (OnFastPath(fromRing, copy, thinning, thin)) break;
                    }
                    if (thin is { HasPending: true } && ring.TryGetEntry(published, out var newest)) bytes += thin.WriteIfHeldTooLong(output, newest.SendTime);
                    if (thinned > 0) metrics.PacketsDropped(hub.Name, thinning == ThinningLevel.KeyFramesOnly ? "viewer-keyframes-only" : "viewer-audio-only", thinned);
                    if (bytes == 0) break;
                    var flush = await output.FlushAsync(ct).ConfigureAwait(false);
                    _bytes.Add(bytes);
                    if (flush.IsCompleted || flush.IsCanceled) return;
                }
            }
        }
        finally
        {
            _bytes.Report();
        }
    }

    /// <summary>
    /// Whether the viewer's packets go out as the ring holds them, straight from its slots: a sink the ring can be sent
    /// to, a selection that passes every packet unchanged, no thinning, and no packed packet waiting.
    /// </summary>
    private static bool OnFastPath([NotNullWhen(true)] RingSender? fromRing, FilteredCopyWriter copy, ThinningLevel thinning, ThinnedWriter? thin) =>
        fromRing is not null && copy.PassesEverything && thinning == ThinningLevel.Full && thin is not { HasPending: true };

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
        _bytes.Add(sent);
        return SendOutcome.Sent;
    }
}
