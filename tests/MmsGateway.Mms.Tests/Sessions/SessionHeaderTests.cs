using System.Buffers;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Mms.Sessions;
using MmsGateway.Mms.Tests.Client;
using MmsGateway.Testing;

namespace MmsGateway.Mms.Tests.Sessions;

public sealed class SessionHeaderTests
{
    private static readonly Uri Url = new("mmst://example.com/a.wmv");

    [SharedMediaFact]
    public void A_full_size_packet_is_handed_out_as_received()
    {
        var media = TestMedia.Wine();
        SessionHeader current = Installed(media.Header);
        ReadOnlyMemory<byte> received = media.Packets[0];

        ReadOnlyMemory<byte> packet = current.Repad(received, MmsClientStep.Read, "data packet");

        Assert.True(packet.Span == received.Span, "the packet is the received bytes, not a copy");
    }

    [SharedMediaFact]
    public void A_short_packet_is_re_padded_into_one_reused_buffer_without_allocating()
    {
        var media = TestMedia.Wine();
        int index = media.PaddedPacketIndex();
        ReadOnlyMemory<byte> stripped = media.Stripped(index, out _);
        SessionHeader current = Installed(media.Header);

        ReadOnlyMemory<byte> first = current.Repad(stripped, MmsClientStep.Read, "data packet");
        Assert.Equal(media.Packets[index], first.ToArray());

        long before = GC.GetAllocatedBytesForCurrentThread();
        ReadOnlyMemory<byte> again = default;
        for (int i = 0; i < 100; i++) again = current.Repad(stripped, MmsClientStep.Read, "data packet");
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(again.Span == first.Span, "every re-padded packet uses the same buffer");
    }

    [SharedMediaFact]
    public void A_packet_longer_than_the_packet_size_is_a_malformed_reply_naming_its_unit()
    {
        var media = TestMedia.Wine();
        SessionHeader current = Installed(media.Header);

        var e = Assert.Throws<MmsClientException>(() =>
            current.Repad(new byte[media.PacketSize + 1], MmsClientStep.Read, "$D"));
        Assert.Equal(MmsClientErrorKind.MalformedReply, e.Kind);
        Assert.Contains("a $D of", e.Message);
    }

    [SharedMediaFact]
    public void A_short_packet_that_is_not_ASF_is_a_malformed_reply()
    {
        var media = TestMedia.Wine();
        SessionHeader current = Installed(media.Header);

        var e = Assert.Throws<MmsClientException>(() => current.Repad(new byte[] { 0x82, 0x00, 0x00 }, MmsClientStep.Read, "data packet"));
        Assert.Contains("a short data packet cannot be re-padded", e.Message);
    }

    [Fact]
    public void The_header_is_current_until_another_is_installed()
    {
        byte[] first = TestHeaders.MultiBitrate();
        byte[] second = TestHeaders.MultiBitrate(broadcast: true);
        var current = new SessionHeader(Url);
        var assembler = new MmsHeaderAssembler(1 << 20, Url);
        Assert.False(current.IsCurrent(Collect(assembler, first)));

        current.Install(assembler, MmsClientStep.Header);

        Assert.Equal(first, current.Bytes);
        Assert.Equal(TestHeaders.PacketSize, current.PacketSize);
        Assert.True(current.IsCurrent(Collect(assembler, first)));
        Assert.False(current.IsCurrent(Collect(assembler, second)));
        current.Install(assembler, MmsClientStep.Read);
        Assert.True(current.Header.IsBroadcast);
    }

    [Fact]
    public void A_header_without_a_stream_is_refused()
    {
        byte[] empty = TestHeaders.Header([TestHeaders.FileProperties(broadcast: false)]);
        var current = new SessionHeader(Url);

        var e = Assert.Throws<MmsClientException>(() =>
            current.Install(Collect(new MmsHeaderAssembler(1 << 20, Url), empty), MmsClientStep.Header));
        Assert.Contains("declares no stream", e.Message);
    }

    private static SessionHeader Installed(byte[] header)
    {
        var current = new SessionHeader(Url);
        current.Install(Collect(new MmsHeaderAssembler(1 << 20, Url), header), MmsClientStep.Header);
        return current;
    }

    private static MmsHeaderAssembler Collect(MmsHeaderAssembler assembler, byte[] header)
    {
        assembler.Reset();
        assembler.Append(new ReadOnlySequence<byte>(header), MmsClientStep.Header);
        return assembler;
    }
}
