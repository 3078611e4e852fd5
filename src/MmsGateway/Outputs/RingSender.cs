using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

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
internal sealed class RingSender(Socket socket, ViewerFraming framing, PacketRing ring)
{
    /// <summary>For <see cref="GatheredSend"/> where it cannot call <c>sendmsg</c> itself.</summary>
    private readonly List<ArraySegment<byte>> _fallback = [];

    /// <summary>The ranges the socket did not take at once, sent when it has room (made at the first such send).</summary>
    private (int Offset, int Length)[]? _rest;

    /// <summary>
    /// The sender for a viewer of <paramref name="ring"/> written to <paramref name="sink"/>, or null when its packets
    /// cannot go out from the ring as they lie: a sink without a socket, or a framing the ring does not carry (plain ASF
    /// always fits, MS-WMSP when the ring carries the <c>$D</c> prefixes, as the hub's rings do:
    /// <see cref="ViewerFraming.WriteRingPrefix"/>).
    /// </summary>
    public static RingSender? For(ViewerSink sink, ViewerFraming framing, PacketRing ring) =>
        sink.IsSocket && (framing.PacketPrefix == 0 || framing.PacketPrefix == ring.PrefixSize) ? new RingSender(sink.Socket, framing, ring) : null;

    /// <summary>
    /// Sends from the viewer's cursor up to <paramref name="published"/> (at most <see cref="LiveViewerPump.BatchBytes"/>).
    /// Completes at once when the socket's buffer takes everything (the usual case) or when the rest was copied into
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
        while (viewer.Cursor <= published && bytes + ring.Stride <= LiveViewerPump.BatchBytes)
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
        var sent = GatheredSend.Send(socket, ring.Buffer, ranges, _fallback);
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
                        var taken = await socket.SendAsync(piece.AsMemory(sent, size - sent), SocketFlags.None, cancellationToken)
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
