using MmsGateway.Adaptation;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Client;
using MmsGateway.Observability;

namespace MmsGateway.Streams;

/// <summary>
/// Reads one upstream session of a hub into its ring until the session ends, fails or the hub goes idle. Each packet
/// of the ring's size is placed on the viewers' timeline (<see cref="TimelineSplicer"/>), retimed, metered, appended
/// once and announced to the viewers, then counted for smart streaming, whose steps the pump carries out between
/// reads (<see cref="AdaptationDriver"/>). A session over a lossy transport (<see cref="IUpstreamLossReport"/>: MMSU,
/// RTSP) has its new losses counted after each read (docs/design.md#metrics). One packet buffer and one payload
/// table per session: nothing per packet.
/// </summary>
internal sealed class SessionPump(StreamHub hub, TimelineSplicer splicer, StreamBitrateMeter meter, AdaptationDriver adaptation, GatewayMetrics metrics)
{
    /// <summary>Returns when the hub went idle; throws when the session was lost (<see cref="UpstreamSupervisor"/>).</summary>
    public async Task RunAsync(IMmsSession session, CancellationToken ct)
    {
        splicer.StartSession();
        var stream = hub.AdoptHeader(session);
        var adapting = await adaptation.PrepareAsync(session, stream, ct).ConfigureAwait(false);
        hub.MarkPlaying();
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        var scratch = new byte[stream.Ring.PacketSize];
        var losses = new LossPublisher(session, hub.Name, metrics);
        try
        {
            await PumpAsync(session, stream, adapting, payloads, scratch, losses, ct).ConfigureAwait(false);
        }
        finally
        {
            losses.Publish();
        }
    }

    private async Task PumpAsync(IMmsSession session, HubStream stream, bool adapting, AsfPayload[] payloads, byte[] scratch,
        LossPublisher losses, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (hub.TryGoIdle()) return;
            var result = await session.ReadAsync(ct).ConfigureAwait(false);
            losses.Publish();
            switch (result.Kind)
            {
                case MmsReadResultKind.EndOfStream:
                    throw new IOException("the upstream ended the stream");
                case MmsReadResultKind.HeaderChanged:
                    var before = stream;
                    stream = hub.AdoptHeader(session);
                    adapting = await adaptation.PrepareAsync(session, stream, ct).ConfigureAwait(false);
                    // The same broadcast re-played (an MMSH stream switch) keeps its timeline but restarts at a key
                    // frame the viewers already have; anything else is a new timeline to splice on.
                    if (stream == before && session.IsBroadcast) splicer.Replayed();
                    else splicer.Discontinuity();
                    scratch = new byte[stream.Ring.PacketSize];
                    continue;
            }

            var packet = result.Packet.Span;
            if (packet.Length != stream.Ring.PacketSize) continue;
            packet.CopyTo(scratch);
            var header = AsfPacketParser.Parse(scratch, scratch.Length, payloads);
            if (!splicer.TryPlace(header.SendTime, out var shiftMs, out var sendTime)) continue;
            if (shiftMs != 0) AsfPacketRetimer.Shift(scratch, scratch.Length, shiftMs);

            var keyFrames = AsfStreamSet.None;
            foreach (var p in payloads.AsSpan(0, header.PayloadCount))
            {
                meter.Add(p.StreamNumber, p.DataLength, p.IsKeyFrame, header.SendTime);
                if (p.IsKeyFrame && p.StartsMediaObject && stream.VideoStreams.Contains(p.StreamNumber)) keyFrames = keyFrames.With(p.StreamNumber);
            }
            stream.Ring.Append(scratch, keyFrames, sendTime);
            metrics.UpstreamBytes(hub.Name, packet.Length);
            hub.WakeViewers(stream);

            if (!adapting) continue;
            // What crossed the link: servers leave padding off the wire (the session padded the packet back).
            if (adaptation.Observe(header.SendTime, Math.Max(packet.Length - header.PaddingLength, 1)) is not { } decision) continue;
            var selectedBefore = session.SelectedStreams;
            adapting = await adaptation.StepAsync(session, stream, decision, ct).ConfigureAwait(false);
            // A switch by re-Play (MMSH, docs/protocol/selection.md#s5.4) restarts a broadcast at a key frame near the
            // live point, usually with the same header, so no HeaderChanged says so: handle the overlap or the jump as
            // for a re-played header. A switch in place (MMST 0x33) goes on from the next packet and is not affected.
            if (session.IsBroadcast && session.SelectedStreams != selectedBefore) splicer.Replayed();
        }
    }

    /// <summary>Adds what a session lost since the last look to <c>mmsgw_upstream_lost_packets_total</c>.</summary>
    private sealed class LossPublisher(IMmsSession session, string stream, GatewayMetrics metrics)
    {
        private readonly IUpstreamLossReport? _report = session as IUpstreamLossReport;
        private readonly string _protocol = session.Protocol.ToString().ToLowerInvariant();
        private UpstreamLossCounts _published;

        public void Publish()
        {
            if (_report is null) return;
            var now = _report.LossCounts;
            if (now == _published) return;
            Add(MetricLabels.LossOutcomes.Recovered, now.Recovered, _published.Recovered);
            Add(MetricLabels.LossOutcomes.Lost, now.Lost, _published.Lost);
            Add(MetricLabels.LossOutcomes.Torn, now.Torn, _published.Torn);
            _published = now;
        }

        // Counts only grow; one that went back (a reporter that started again) counts from zero.
        private void Add(string outcome, long now, long before)
        {
            var delta = now >= before ? now - before : now;
            if (delta > 0) metrics.UpstreamPacketsLost(stream, _protocol, outcome, delta);
        }
    }
}
