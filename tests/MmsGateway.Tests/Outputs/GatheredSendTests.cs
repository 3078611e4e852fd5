using System.Net;
using System.Net.Sockets;
using MmsGateway.Outputs;

namespace MmsGateway.Tests.Outputs;

/// <summary>The direct path's non-blocking gathered send from a pinned buffer, over a real loopback connection.</summary>
public sealed class GatheredSendTests
{
    [Fact]
    public async Task Ranges_arrive_in_order_and_a_full_socket_buffer_takes_part_then_nothing_without_waiting()
    {
        var (sender, receiver) = await ConnectedPairAsync();
        using var _ = sender;
        using var __ = receiver;
        sender.SendBufferSize = 16 * 1024;
        sender.Blocking = false;
        var pinned = GC.AllocateUninitializedArray<byte>(1 << 20, pinned: true);
        new Random(7).NextBytes(pinned);
        (int, int)[] ranges = [(100, 3000), (10_000, 12), (20_000, 5000)];

        Assert.Equal(8012, GatheredSend.Send(sender, pinned, ranges, []));
        Assert.Equal(OperatingSystem.IsLinux(), GatheredSend.UsesSendmsg); // the P/Invoke loaded, no silent fall-back
        var got = new byte[8012];
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            for (var n = 0; n < got.Length;) n += await receiver.ReceiveAsync(got.AsMemory(n), SocketFlags.None, deadline.Token);
        }
        Assert.Equal(pinned.AsSpan(100, 3000).ToArray(), got[..3000]);
        Assert.Equal(pinned.AsSpan(10_000, 12).ToArray(), got[3000..3012]);
        Assert.Equal(pinned.AsSpan(20_000, 5000).ToArray(), got[3012..]);

        // Nobody reads now: sends fill the kernel's buffers, then take nothing, and never block.
        long total = 0, last;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            last = GatheredSend.Send(sender, pinned, [(0, 256 * 1024)], []);
            total += last;
        }
        while (last > 0 && clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(0, last);
        Assert.InRange(total, 1, 64 << 20);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "a full socket must not block the sender");
    }

    [Fact]
    public async Task A_peer_that_closed_makes_the_send_fail_instead_of_raising_sigpipe()
    {
        var (sender, receiver) = await ConnectedPairAsync();
        using var _ = sender;
        sender.Blocking = false;
        receiver.LingerState = new LingerOption(true, 0); // close with a reset
        receiver.Close();
        var pinned = GC.AllocateUninitializedArray<byte>(4096, pinned: true);

        var failed = false;
        for (var i = 0; i < 50 && !failed; i++)
        {
            try
            {
                GatheredSend.Send(sender, pinned, [(0, 4096)], []);
                await Task.Delay(20);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                failed = true;
            }
        }
        Assert.True(failed, "sending to a reset connection must throw");
    }

    private static async Task<(Socket Sender, Socket Receiver)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        var accept = listener.AcceptAsync();
        await receiver.ConnectAsync(listener.LocalEndPoint!);
        return (await accept, receiver);
    }
}
