using System.Buffers;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Asf.Selection;

namespace MmsGateway.Outputs;

/// <summary>
/// Frames packets copied into a viewer's pipe, filtered in place by the viewer's stream selection first
/// (<c>?maxBitrate=</c>, an MS-WMSP <c>stream-switch-entry</c>, the resynchronisation at the start). Once the
/// selection passes every packet as it is (<see cref="PassesEverything"/>), packets are no longer parsed and the
/// scratch packet goes back to the pool: a viewer that takes everything holds none.
/// </summary>
/// <remarks>
/// The packet is copied once, by the caller, straight into the pipe's buffer behind the room for the framing's prefix;
/// this writer works on that buffer alone and does no I/O.
/// </remarks>
internal sealed class FilteredCopyWriter(ViewerFraming framing, AsfStreamSelection selection, AsfStreamSet carried, int packetSize) : IDisposable
{
    /// <summary>Only while packets are filtered.</summary>
    private byte[]? _scratch;

    /// <summary>Whether the selection passes every packet unchanged, so that none is parsed (and the ring can send them).</summary>
    public bool PassesEverything { get; private set; }

    /// <summary>The selection changed (a new thinning level): packets are filtered again until it passes everything.</summary>
    public void SelectionChanged() => PassesEverything = false;

    /// <summary>
    /// Filters the packet of <paramref name="length"/> bytes lying in <paramref name="framed"/> after
    /// <see cref="ViewerFraming.PacketPrefix"/> bytes, and writes the prefix in front of what is kept. Returns the bytes
    /// to send from the start of <paramref name="framed"/> (prefix and packet), 0 when the selection keeps nothing of it.
    /// </summary>
    public int Write(Span<byte> framed, int length, uint locationId)
    {
        var packet = framed.Slice(framing.PacketPrefix, length);
        if (!PassesEverything)
        {
            _scratch ??= ArrayPool<byte>.Shared.Rent(packetSize);
            var result = selection.Apply(packet, _scratch);
            if (result == AsfPacketFilterResult.Rebuilt) _scratch.AsSpan(0, length).CopyTo(packet);
            PassesEverything = selection.PassesUnchanged(carried);
            if (PassesEverything) Dispose();
            if (result == AsfPacketFilterResult.Empty) return 0;
        }
        framing.WritePrefix(framed, locationId, length);
        return framing.PacketPrefix + length;
    }

    /// <summary>Gives the scratch packet back to the pool.</summary>
    public void Dispose()
    {
        if (_scratch is null) return;
        ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = null;
    }
}
