using System.IO.Pipelines;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms.Client;
using MmsGateway.Observability;

namespace MmsGateway.Outputs;

/// <summary>
/// An on-demand viewer's private relay: its own upstream session (so it can start anywhere), read only as fast
/// as the viewer takes the bytes (backpressure instead of dropping: this is a file, nothing is live), with writes
/// gathered up to a batch or a short interval.
/// </summary>
public sealed class OnDemandViewerPump(string streamName, string output, IMmsSession session, ViewerFraming framing,
    AsfStreamSet streams, bool fromStart, GatewayMetrics metrics, TimeProvider time, TimeSpan flushInterval)
{
    private const int BatchBytes = 64 * 1024;

    public async Task RunAsync(PipeWriter writer, CancellationToken ct)
    {
        var header = session.Header;
        var all = streams == session.SelectedStreams && fromStart;
        var selection = new AsfStreamSelection(header);
        selection.Select(streams.Numbers.Select(n => (0xFFFF, n, ThinningLevel.Full)), unlistedOff: true);
        if (!fromStart) selection.Resynchronize();
        // Unchanged sizes only when the viewer gets the whole file from its start; otherwise counts would lie.
        AsfDataLayout layout = all ? new AsfDataLayout.Unchanged() : new AsfDataLayout.Broadcast();
        framing.WriteHeader(writer, AsfHeaderWriter.Write(header, streams, layout));
        await writer.FlushAsync(ct).ConfigureAwait(false);

        var scratch = new byte[header.PacketSize];
        long pending = 0;
        var lastFlush = time.GetTimestamp();
        while (true)
        {
            var read = await session.ReadAsync(ct).ConfigureAwait(false);
            if (read.Kind == MmsReadResultKind.EndOfStream) break;
            if (read.Kind == MmsReadResultKind.HeaderChanged) break; // a server playlist moved on: end this response
            var packet = read.Packet.Span;
            var result = selection.Apply(packet, scratch);
            if (result != AsfPacketFilterResult.Empty)
            {
                var body = result == AsfPacketFilterResult.Rebuilt ? scratch.AsSpan(0, packet.Length) : packet;
                var span = writer.GetSpan(framing.PacketPrefix + body.Length);
                framing.WritePrefix(span, read.LocationId, body.Length);
                body.CopyTo(span[framing.PacketPrefix..]);
                writer.Advance(framing.PacketPrefix + body.Length);
                pending += framing.PacketPrefix + body.Length;
            }
            if (pending >= BatchBytes || time.GetElapsedTime(lastFlush) >= flushInterval)
            {
                if ((await writer.FlushAsync(ct).ConfigureAwait(false)).IsCompleted) return;
                metrics.ViewerBytes(streamName, output, pending);
                pending = 0;
                lastFlush = time.GetTimestamp();
            }
        }
        framing.WriteEnd(writer);
        await writer.FlushAsync(ct).ConfigureAwait(false);
        metrics.ViewerBytes(streamName, output, pending);
    }
}
