using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MmsGateway.Mms.Client;

namespace MmsGateway.Mms.Tests.Client;

/// <summary>
/// Batched streaming receives (SO_RCVLOWAT): the policy's arithmetic, and on a real loopback connection that a steady
/// stream wakes the reader several packets at a time while a lone message after it is still delivered within the hold
/// limit rather than after the read timeout.
/// </summary>
public sealed class ReceiveBatchingTests
{
    private static readonly long Frequency = Stopwatch.Frequency;

    [Fact]
    public void The_mark_follows_the_arrival_rate_within_its_bounds()
    {
        var batching = new ReceiveBatching(TimeSpan.FromMilliseconds(40), Frequency);
        Assert.Equal(1, batching.NextLowWaterMark()); // no rate known yet

        // 3200 bytes every 10 ms = 320 000 B/s: 40 ms of it is 12 800 bytes.
        for (var i = 1; i <= 20; i++) batching.Completed(3200, i * Frequency / 100);
        Assert.InRange(batching.NextLowWaterMark(), 12_000, 13_600);

        // A much faster stream is capped at MaxBytes.
        for (var i = 21; i <= 60; i++) batching.Completed(1_000_000, i * Frequency / 100);
        Assert.Equal(ReceiveBatching.MaxBytes, batching.NextLowWaterMark());

        // A trickle brings it back to a few bytes: 100 bytes a second is 4 bytes in 40 ms.
        for (var i = 61; i <= 120; i++) batching.Completed(100, i * Frequency);
        Assert.InRange(batching.NextLowWaterMark(), 1, 8);
    }

    [Fact]
    public void An_interruption_is_not_measured_as_a_slow_interval()
    {
        var batching = new ReceiveBatching(TimeSpan.FromMilliseconds(40), Frequency);
        for (var i = 1; i <= 20; i++) batching.Completed(3200, i * Frequency / 100);
        var before = batching.NextLowWaterMark();
        batching.Interrupted();
        batching.Completed(3200, 60 * Frequency); // 40 s later, after a handshake: no rate sample from that gap
        Assert.Equal(before, batching.NextLowWaterMark());
        Assert.Equal(TimeSpan.FromMilliseconds(250), batching.HoldLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(500), new ReceiveBatching(TimeSpan.FromMilliseconds(200), Frequency).HoldLimit);
    }

    [Fact]
    public async Task A_steady_stream_is_received_in_batches_and_a_lone_message_after_it_is_not_held()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var url = new Uri($"mmsh://127.0.0.1:{port}/batch");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var connecting = MmsConnection.ConnectAsync(url, "127.0.0.1", port, TimeSpan.FromSeconds(5), TimeProvider.System, cts.Token);
        using var server = await listener.AcceptSocketAsync(cts.Token);
        await using var connection = await connecting;
        connection.BatchStreamingReceives(TimeSpan.FromMilliseconds(40));

        // The server: 3200-byte packets every 10 ms for 3 s, each its own segment; then, after 1 s of silence, 100 bytes
        // and nothing more (the connection stays open).
        const int PacketBytes = 3200, Packets = 300;
        server.NoDelay = true;
        var streamed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastSent = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = Task.Run(async () =>
        {
            var packet = new byte[PacketBytes];
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Packets; i++)
            {
                var due = TimeSpan.FromMilliseconds(10 * i) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, cts.Token);
                await server.SendAsync(packet, SocketFlags.None, cts.Token);
            }
            streamed.SetResult(Stopwatch.GetTimestamp());
            await Task.Delay(TimeSpan.FromSeconds(1), cts.Token);
            await server.SendAsync(new byte[100], SocketFlags.None, cts.Token);
            lastSent.SetResult(Stopwatch.GetTimestamp());
        }, cts.Token);

        long total = 0;
        var receivesInLastSecond = 0;
        var bytesInLastSecond = 0L;
        var watch = Stopwatch.StartNew();
        while (total < (long)PacketBytes * Packets)
        {
            Assert.True(await connection.ReceiveAsync(MmsClientStep.Read, TimeSpan.FromSeconds(10), cts.Token));
            var got = connection.BufferedLength;
            connection.Consume(got);
            total += got;
            if (watch.Elapsed > TimeSpan.FromSeconds(1.5) && watch.Elapsed < TimeSpan.FromSeconds(2.5))
            {
                receivesInLastSecond++;
                bytesInLastSecond += got;
            }
        }
        // About 100 segments arrived in that second; batched, the reader woke for about a quarter of them.
        var packetsInThatSecond = bytesInLastSecond / PacketBytes;
        Assert.True(packetsInThatSecond >= 50, $"only {packetsInThatSecond} packets in the measured second");
        Assert.True(receivesInLastSecond * 2 < packetsInThatSecond,
            $"{receivesInLastSecond} receives for {packetsInThatSecond} packets: not batched");

        // The lone 100 bytes are delivered within the hold limit (250 ms), not after the 10-s read timeout.
        Assert.True(await connection.ReceiveAsync(MmsClientStep.Read, TimeSpan.FromSeconds(10), cts.Token));
        var arrived = Stopwatch.GetTimestamp();
        Assert.Equal(100, connection.BufferedLength);
        var late = Stopwatch.GetElapsedTime(await lastSent.Task, arrived);
        Assert.True(late < TimeSpan.FromSeconds(2), $"the lone message was held {late.TotalMilliseconds:0} ms");
        await sender;
    }
}
