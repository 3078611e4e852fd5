using System.Buffers;
using MmsGateway.Asf.Packets;
using MmsGateway.Asf.Selection;
using MmsGateway.Origin.Shaping;

namespace MmsGateway.Origin.Media;

/// <summary>Where a session's packets go: framed onto TCP (MMST, MMSH) or into datagrams (MMSU).</summary>
internal interface IPacketSink
{
    ValueTask SendPacketAsync(ReadOnlyMemory<byte> packet, uint locationId, CancellationToken cancellationToken);

    /// <summary>Bytes that are not a packet at all (the garbage fault).</summary>
    ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);
}

internal enum PumpOutcome
{
    EndOfContent,
    Disconnect,
}

/// <summary>
/// Moves one play's packets from a feed to a sink: applies the session's stream selection and thinning
/// (docs/protocol/selection.md#s5.2), the throughput cap, and the injected faults. Used by every transport, so all three carry the same
/// bytes (docs/protocol/servers.md#s3.3).
/// </summary>
internal sealed class PacketPump(OriginContext context)
{
    /// <summary>
    /// Runs until the feed ends, a fault disconnects, or <paramref name="cancellationToken"/> fires. With
    /// <paramref name="realTimeAfter"/>, packets are also paced by their send times once that much media has gone
    /// out at full speed (a preroll burst): a live feed paces itself, but datagrams sent faster than the client
    /// reads them are simply lost, so MMSU paces on-demand content too. With <paramref name="fullSize"/>, a packet
    /// that selection rebuilt keeps its padding: RTSP sends full-size packets (docs/protocol/rtsp.md#s4.5).
    /// </summary>
    public async Task<PumpOutcome> RunAsync(
        IPacketFeed feed, AsfStreamSelection selection, Lock selectionLock, IPacketSink sink, CancellationToken cancellationToken,
        TimeSpan? realTimeAfter = null, bool fullSize = false)
    {
        var time = context.Time;
        var throttle = new SessionThrottle(context.Cap, time);
        var started = time.GetTimestamp();
        long? firstSendTime = null;
        var scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                var faults = context.Faults;
                var elapsed = time.GetElapsedTime(started);
                if (faults.DisconnectAfter is { } d && elapsed >= d) return PumpOutcome.Disconnect;
                if (faults.StallAfter is { } s && elapsed >= s)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken).ConfigureAwait(false);
                }
                if (faults.GarbageAfter is { } g && elapsed >= g)
                {
                    Random.Shared.NextBytes(scratch.AsSpan(0, 4096));
                    await throttle.WaitAsync(4096, cancellationToken).ConfigureAwait(false);
                    await sink.SendRawAsync(scratch.AsMemory(0, 4096), cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (await feed.NextAsync(cancellationToken).ConfigureAwait(false) is not { } next) return PumpOutcome.EndOfContent;
                var packet = next.Bytes;
                if (realTimeAfter is { } burst)
                {
                    var sendTime = AsfPacketParser.ParseHeader(packet.Span, packet.Length).SendTime;
                    firstSendTime ??= sendTime;
                    var due = TimeSpan.FromMilliseconds(sendTime - firstSendTime.Value) - burst - time.GetElapsedTime(started);
                    if (due > TimeSpan.Zero) await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                }
                AsfPacketFilterResult result;
                lock (selectionLock) result = selection.Apply(packet.Span, scratch);
                if (result == AsfPacketFilterResult.Empty) continue;
                if (result == AsfPacketFilterResult.Rebuilt && fullSize)
                {
                    packet = scratch.AsMemory(0, packet.Length);
                }
                else if (result == AsfPacketFilterResult.Rebuilt)
                {
                    // What selection removed became padding: leave it off the wire, as a server re-packetizing would.
                    packet = scratch.AsMemory(0, AsfPacketTrimmer.Trim(scratch.AsSpan(0, packet.Length), packet.Length));
                }
                await throttle.WaitAsync(packet.Length, cancellationToken).ConfigureAwait(false);
                await sink.SendPacketAsync(packet, next.LocationId, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
