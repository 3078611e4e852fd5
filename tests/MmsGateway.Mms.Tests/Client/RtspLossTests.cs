using MmsGateway.Mms.Client;
using MmsGateway.Origin;
using MmsGateway.Testing;
using Xunit.Abstractions;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// RTSPU against an origin that drops RTP datagrams on purpose (<see cref="OriginOptions.UdpLossPercent"/>): with
/// NACKs the client asks for the lost packets on the rtx stream and gets them (docs/protocol/rtsp.md#s7.1); without
/// them it counts what it lost and drops the ASF packets torn by it (docs/protocol/rtsp.md#s4.4). Either way every
/// packet delivered is one of the file's, payload by payload, in order.
/// </summary>
public sealed class RtspLossTests(ITestOutputHelper output)
{
    private static MmsClientOptions Options(int maxNacks) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
        RtspuDataTimeout = TimeSpan.FromSeconds(2),
        RtspuMaxNacks = maxNacks,
    };

    private static Task<TestOrigin> StartAsync(double lossPercent) =>
        TestOrigin.StartAsync(10, root => new OriginOptions
        {
            Root = root, MmstPort = 0, HttpPort = 0, UdpPort = -1, RtspPort = 0, UdpLossPercent = lossPercent,
        });

    /// <summary>
    /// Plays single.wmv over RTSPU; asserts the delivered packets are the file's in order with some skipped (never a
    /// changed one) and returns how many of the file's packets were skipped.
    /// </summary>
    private async Task<(int Missing, int Delivered, RtspLosses Losses, UpstreamLossCounts Counts)> PlayAsync(TestOrigin origin, int maxNacks)
    {
        TestMedia media = TestMedia.Load(Path.Combine(origin.Root, "single.wmv"));
        MmsConnectResult result = await MmsConnector.ConnectAsync(origin.Url("rtspu", "single.wmv"), Options(maxNacks), null, CancellationToken.None);
        await using IMmsSession session = result.Session;
        Assert.Equal(MmsProtocol.Rtspu, session.Protocol);
        List<byte[]> packets = await RtspOriginTests.ReadAllAsync(session);
        var expected = media.Packets.Select(p => RtspOriginTests.Describe(p, media.PacketSize)).ToList();
        int next = 0;
        int missing = 0;
        foreach (byte[] packet in packets)
        {
            var actual = RtspOriginTests.Describe(packet, media.PacketSize);
            while (next < expected.Count && !(expected[next].SendTime == actual.SendTime && expected[next].Payloads.SequenceEqual(actual.Payloads)))
            {
                next++;
                missing++;
            }

            Assert.True(next < expected.Count, $"delivered packet at {actual.SendTime} ms is none of the file's (torn or out of order)");
            next++;
        }

        missing += expected.Count - next;
        var rtsp = (RtspSession)session;
        output.WriteLine($"file {expected.Count} packets, delivered {packets.Count}, missing {missing}; {rtsp.Losses}; {rtsp.LossCounts}");
        return (missing, packets.Count, rtsp.Losses, rtsp.LossCounts);
    }

    [Fact]
    public async Task Lost_datagrams_are_recovered_by_NACK_and_the_file_arrives_but_for_what_is_counted_lost()
    {
        await using TestOrigin origin = await StartAsync(lossPercent: 5);
        var (missing, delivered, losses, counts) = await PlayAsync(origin, maxNacks: 2);
        (long dropped, long resent) = origin.Server.RtspUdpCounters;

        output.WriteLine($"origin: {dropped} dropped, {resent} resent");
        Assert.True(dropped > 0, "the origin dropped nothing");
        Assert.True(resent > 0, "the origin resent nothing");
        Assert.True(losses.NacksSent > 0);
        Assert.True(losses.Recovered > 0, $"nothing recovered of {dropped} dropped");
        Assert.InRange(losses.Recovered, 1, resent);
        // What the reorder window gave up on is the depacketizer's sequence gap; an ASF packet goes missing only
        // through a lost RTP packet (whole or torn).
        Assert.Equal(losses.Depacketizer.LostRtpPackets, counts.Lost);
        Assert.Equal(losses.Depacketizer.TornPackets, counts.Torn);
        Assert.Equal(losses.Recovered, counts.Recovered);
        // An ASF packet goes missing only with a dropped datagram that was not recovered (whole or torn).
        Assert.InRange(missing, 0, dropped - losses.Recovered);
        Assert.InRange(counts.Torn, 0, missing);
        Assert.True(missing < delivered, $"{missing} missing, {delivered} delivered");
    }

    [Fact]
    public async Task Without_NACKs_losses_are_counted_and_no_torn_packet_is_delivered()
    {
        await using TestOrigin origin = await StartAsync(lossPercent: 5);
        var (missing, delivered, losses, counts) = await PlayAsync(origin, maxNacks: 0);
        (long dropped, long resent) = origin.Server.RtspUdpCounters;

        output.WriteLine($"origin: {dropped} dropped, {resent} resent");
        Assert.True(dropped > 0, "the origin dropped nothing");
        Assert.Equal(0, losses.NacksSent);
        Assert.Equal(0, resent);
        Assert.Equal(0, counts.Recovered);
        // Every datagram dropped is lost for good (none comes back; one at the very end leaves no gap to see), and
        // each took at most one ASF packet with it.
        Assert.InRange(counts.Lost, 1, dropped);
        Assert.InRange(missing, 1, dropped);
        Assert.True(counts.Torn > 0, "no ASF packet was torn: the file's packets should span several datagrams");
        Assert.InRange(counts.Torn, 1, missing);
        Assert.True(missing < delivered, $"{missing} missing, {delivered} delivered");
    }
}
