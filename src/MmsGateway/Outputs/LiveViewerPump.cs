using System.IO.Pipelines;
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
public sealed class LiveViewerPump(StreamHub hub, HubViewer viewer, ViewerFraming framing, AsfStreamSet streams, GatewayMetrics metrics, TimeSpan flushInterval)
{
    private const int BatchBytes = 64 * 1024;

    public async Task RunAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        var stream = viewer.Stream;
        var ring = stream.Ring;
        var header = stream.Header;
        var selection = new AsfStreamSelection(header);
        selection.Select(streams.Numbers.Select(n => (0xFFFF, n, ThinningLevel.Full)), unlistedOff: true);
        selection.Resynchronize();
        var video = ViewerStreams.Video(header, streams);

        framing.WriteHeader(output, AsfHeaderWriter.Write(header, streams, new AsfDataLayout.Broadcast()));
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, viewer.Closed);
        var ct = linked.Token;
        var scratch = new byte[ring.PacketSize];
        var thinning = ThinningLevel.Full;
        // Coalescing: after a wake-up, wait out the flush interval so the packets published meanwhile go out in the
        // same write. The timer is made once per viewer; its waits allocate nothing.
        using var coalesce = flushInterval > TimeSpan.Zero ? new PeriodicTimer(flushInterval) : null;
        while (!ct.IsCancellationRequested)
        {
            await viewer.WaitAsync(ct).ConfigureAwait(false);
            if (coalesce is not null) await coalesce.WaitForNextTickAsync(ct).ConfigureAwait(false);
            var published = ring.Published;
            if (viewer.Cursor > published) continue;

            var level = Thinning(thinning, published - viewer.Cursor + 1, ring.Capacity);
            if (level != thinning && !video.IsEmpty)
            {
                thinning = level;
                selection.Select(video.Numbers.Select(v => (0xFFFF, v, thinning)), unlistedOff: false);
            }

            long bytes = 0, thinned = 0;
            while (viewer.Cursor <= published && bytes < BatchBytes)
            {
                var span = output.GetSpan(framing.PacketPrefix + ring.PacketSize);
                var packet = span.Slice(framing.PacketPrefix, ring.PacketSize);
                if (!ring.TryCopy(viewer.Cursor, packet, out var entry))
                {
                    // Overwritten under us: the hub ends this viewer (counted there).
                    if (viewer.Cursor < ring.Oldest) return;
                    break;
                }
                viewer.Cursor++;
                var result = selection.Apply(packet[..entry.Length], scratch);
                if (result == AsfPacketFilterResult.Empty)
                {
                    if (thinning != ThinningLevel.Full) thinned++;
                    continue;
                }
                if (result == AsfPacketFilterResult.Rebuilt) scratch.AsSpan(0, entry.Length).CopyTo(packet);
                framing.WritePrefix(span, (uint)entry.Sequence, entry.Length);
                output.Advance(framing.PacketPrefix + entry.Length);
                bytes += framing.PacketPrefix + entry.Length;
            }
            if (thinned > 0) metrics.PacketsDropped(hub.Name, thinning == ThinningLevel.KeyFramesOnly ? "viewer-keyframes-only" : "viewer-audio-only", thinned);
            if (bytes == 0) continue;
            var flush = await output.FlushAsync(ct).ConfigureAwait(false);
            metrics.ViewerBytes(hub.Name, viewer.Output, bytes);
            if (flush.IsCompleted || flush.IsCanceled) return;
        }
    }

    /// <summary>Thinning by how much of the ring the viewer has not read yet, with hysteresis so it does not flap.</summary>
    internal static ThinningLevel Thinning(ThinningLevel current, long lag, int capacity) =>
        lag > capacity * 3 / 4 ? ThinningLevel.Off
        : lag > capacity / 2 ? ThinningLevel.KeyFramesOnly
        : current != ThinningLevel.Full && lag > capacity / 4 ? current
        : ThinningLevel.Full;
}
