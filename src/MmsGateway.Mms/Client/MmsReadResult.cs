namespace MmsGateway.Mms.Client;

public enum MmsReadResultKind
{
    /// <summary>One ASF data packet of exactly the header's packet size.</summary>
    Packet,

    /// <summary>
    /// The ASF header was replaced (a server-side playlist moved to its next entry, docs/protocol/mmst.md#s1.5.11, docs/protocol/mmsh.md#s2.5
    /// <c>$C</c>): <see cref="IMmsSession.Header"/> and <see cref="IMmsSession.HeaderBytes"/> hold the new one and
    /// the packets that follow belong to it.
    /// </summary>
    HeaderChanged,

    /// <summary>The server ended the stream (MMST ReportEndOfStream hr 0, MMSH <c>$E</c> reason 0).</summary>
    EndOfStream,
}

/// <summary>
/// What <see cref="IMmsSession.ReadAsync"/> produced. <see cref="Packet"/> points into the session's receive or
/// re-pad buffer and is valid only until the next call to <see cref="IMmsSession.ReadAsync"/> (or any other call on
/// the session); copy it to keep it.
/// </summary>
public readonly struct MmsReadResult
{
    private MmsReadResult(MmsReadResultKind kind, ReadOnlyMemory<byte> packet, uint locationId)
    {
        Kind = kind;
        Packet = packet;
        LocationId = locationId;
    }

    public MmsReadResultKind Kind { get; }

    /// <summary>The ASF data packet, re-padded to the header's packet size (docs/protocol/asf.md#s4.9); empty otherwise.</summary>
    public ReadOnlyMemory<byte> Packet { get; }

    /// <summary>The packet's index in the (virtual, for live content) ASF file from the preheader (docs/protocol/mmst.md#s1.3).</summary>
    public uint LocationId { get; }

    public static MmsReadResult EndOfStream => new(MmsReadResultKind.EndOfStream, ReadOnlyMemory<byte>.Empty, 0);

    public static MmsReadResult HeaderChanged => new(MmsReadResultKind.HeaderChanged, ReadOnlyMemory<byte>.Empty, 0);

    public static MmsReadResult ForPacket(ReadOnlyMemory<byte> packet, uint locationId) =>
        new(MmsReadResultKind.Packet, packet, locationId);

    public override string ToString() => Kind == MmsReadResultKind.Packet
        ? $"Packet #{LocationId} ({Packet.Length} bytes)"
        : Kind.ToString();
}
