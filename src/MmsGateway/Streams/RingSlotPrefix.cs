namespace MmsGateway.Streams;

/// <summary>
/// The framing every slot of a hub's <see cref="PacketRing"/> carries in front of its packet. It is written once per
/// packet, as the packet enters the ring, so that viewers of the output that frames packets this way send runs of
/// them straight from the ring instead of framing each packet for each viewer. Chosen where hubs are wired (the
/// output that owns the framing provides it); the hub only sizes its slots by it.
/// </summary>
public sealed record RingSlotPrefix(int Size, SlotPrefixWriter? Write)
{
    /// <summary>Bare packets: no framing in the ring.</summary>
    public static RingSlotPrefix None { get; } = new(0, null);

    /// <summary>A ring of <paramref name="capacity"/> slots of <paramref name="packetSize"/> bytes with this prefix.</summary>
    public PacketRing CreateRing(int capacity, int packetSize) => new(capacity, packetSize, Size, Write);
}
