using MmsGateway.Mms.Playlists;

namespace MmsGateway.Mms.Tests.Playlists;

public class MsbPacketTests
{
    [Fact]
    public void Beacon_is_the_four_bytes_msb_space()
    {
        Span<byte> beacon = stackalloc byte[4];
        Assert.Equal(4, MsbPacket.WriteBeacon(beacon));

        Assert.Equal("MSB "u8.ToArray(), beacon.ToArray());
        Assert.True(MsbPacket.IsBeacon("MSB "u8));
        Assert.False(MsbPacket.IsBeacon("MSB  "u8));
        Assert.False(MsbPacket.IsBeacon("MSb "u8));
        Assert.Contains("beacon", Assert.Throws<PlaylistFormatException>(() => MsbPacket.Parse("MSB "u8.ToArray())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Packet_header_layout_is_little_endian()
    {
        byte[] payload = [0x82, 0x00, 0x00, 0x11, 0x5D];
        var packet = new MsbPacket(0x0403_0201, MsbPacket.StreamIdFor(0x123, entryToggle: true), payload);

        byte[] datagram = packet.ToArray();

        Assert.Equal([0x01, 0x02, 0x03, 0x04, 0x23, 0x81, 13, 0x00, .. payload], datagram);
    }

    [Theory]
    [InlineData(0u, 0, false, 0)]
    [InlineData(1u, 1, false, 1)]
    [InlineData(0xFFFF_FFFFu, 2047, true, 100)]
    [InlineData(42u, 5, true, MsbPacket.MaxPayloadLength)]
    public void Round_trip(uint packetId, int formatId, bool toggle, int payloadLength)
    {
        byte[] payload = [.. Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 7))];
        var packet = new MsbPacket(packetId, MsbPacket.StreamIdFor(formatId, toggle), payload);

        MsbPacket read = MsbPacket.Parse(packet.ToArray());

        Assert.Equal(packetId, read.PacketId);
        Assert.Equal(formatId, read.FormatId);
        Assert.Equal(toggle, read.EntryToggle);
        Assert.Equal(payload, read.Payload.ToArray());
        Assert.Equal(8 + payloadLength, read.PacketSize);
    }

    [Fact]
    public void Reserved_stream_id_bits_are_read_but_not_part_of_the_format_id()
    {
        MsbPacket read = MsbPacket.Parse(new byte[] { 1, 0, 0, 0, 0x05, 0x78, 8, 0 });

        Assert.Equal(0x7805, read.StreamId);
        Assert.Equal(5, read.FormatId);
        Assert.False(read.EntryToggle);
        Assert.True(read.Payload.IsEmpty);
    }

    [Fact]
    public void Bytes_after_wpacketsize_are_ignored()
    {
        MsbPacket read = MsbPacket.Parse(new byte[] { 1, 0, 0, 0, 0, 0, 10, 0, 0xAA, 0xBB, 0xCC, 0xDD });

        Assert.Equal([0xAA, 0xBB], read.Payload.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 8 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 7, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 12, 0, 0xAA })]
    public void Short_or_lying_datagrams_are_format_errors(byte[] datagram) =>
        Assert.Throws<PlaylistFormatException>(() => MsbPacket.Parse(datagram));

    [Fact]
    public void Writing_checks_its_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MsbPacket(1, 0, new byte[MsbPacket.MaxPayloadLength + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MsbPacket.StreamIdFor(2048, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MsbPacket(1, 0, new byte[4]).WriteTo(new byte[11]));
    }
}
