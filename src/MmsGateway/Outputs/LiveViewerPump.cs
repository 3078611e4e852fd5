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
        AsfPayloadPacker? packer = null;
        byte[]? source = null;
        uint lastSequence = 0;
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
            if (thinning == ThinningLevel.Full && packer is { HasPending: true }) bytes += Emit(output, packer, lastSequence);
            while (viewer.Cursor <= published && bytes < BatchBytes)
            {
                if (thinning != ThinningLevel.Full)
                {
                    // Thinned: the surviving payloads are packed into fresh packets, so fewer bytes go out (see AsfPayloadPacker).
                    packer ??= new AsfPayloadPacker(ring.PacketSize);
                    source ??= new byte[ring.PacketSize];
                    if (!ring.TryCopy(viewer.Cursor, source, out var thinEntry))
                    {
                        if (viewer.Cursor < ring.Oldest) return;
                        break;
                    }
                    viewer.Cursor++;
                    lastSequence = (uint)thinEntry.Sequence;
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
            // A packed packet waits for more payloads, but not past half a second of media (audio must keep flowing).
            if (packer is { HasPending: true } && ring.TryGetEntry(published, out var newest) && newest.SendTime - packer.PendingSendTime >= PackHoldMs)
                bytes += Emit(output, packer, lastSequence);
            if (thinned > 0) metrics.PacketsDropped(hub.Name, thinning == ThinningLevel.KeyFramesOnly ? "viewer-keyframes-only" : "viewer-audio-only", thinned);
            if (bytes == 0) continue;
            var flush = await output.FlushAsync(ct).ConfigureAwait(false);
            metrics.ViewerBytes(hub.Name, viewer.Output, bytes);
            if (flush.IsCompleted || flush.IsCanceled) return;
        }
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
}
