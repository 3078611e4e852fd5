using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using MmsGateway.Asf;
using MmsGateway.Asf.Packets;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Outputs;
using MmsGateway.Streams;
using MmsGateway.Testing;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Outputs;

/// <summary>
/// The fan-out fast path: a live viewer's connection taken over from Kestrel and sent ring slots directly
/// (Outputs/DirectViewerConnection.cs, LiveViewerPump). Read here byte by byte over a raw socket, as a player would.
/// </summary>
public sealed class DirectViewerConnectionTests
{
    [Fact]
    public async Task A_live_asf_viewer_gets_a_close_delimited_body_of_whole_packets_that_ffmpeg_decodes()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        var (head, body) = await RawGetAsync(gateway, "GET /streams/live/live.asf HTTP/1.1\r\nHost: x\r\n\r\n", TimeSpan.FromSeconds(4));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("\r\nConnection: close\r\n", head);
        Assert.Contains("\r\nContent-Type: video/x-ms-asf\r\n", head);
        Assert.DoesNotContain("Transfer-Encoding", head);
        Assert.DoesNotContain("Content-Length", head);

        var header = AsfHeaderReader.Parse(body);
        var start = header.Raw.Length + AsfDataObjectHeader.Size;
        var packets = (body.Length - start) / header.PacketSize;
        Assert.True(packets > 20, $"only {packets} packets in 4 s");
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        for (var i = 0; i < packets; i++)
        {
            var packet = body.AsSpan(start + i * header.PacketSize, header.PacketSize);
            Assert.True(AsfPacketParser.Parse(packet, header.PacketSize, payloads).PayloadCount > 0, $"packet {i} has no payload");
        }
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-direct-").FullName, "view.asf");
        await File.WriteAllBytesAsync(path, body[..(start + packets * header.PacketSize)]);
        Assert.Equal(string.Empty, await ToolRunner.DecodeErrorsAsync(path));
    }

    [Fact]
    public async Task A_live_wmsp_viewer_gets_one_header_then_numbered_data_chunks_without_gaps()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        var (head, body) = await RawGetAsync(gateway,
            "GET /streams/live/live.asf HTTP/1.0\r\nHost: x\r\nUser-Agent: NSPlayer/9.0.0.2980\r\nPragma: xPlayStrm=1\r\nPragma: client-id=7\r\n\r\n",
            TimeSpan.FromSeconds(4));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("\r\nContent-Type: application/x-mms-framed\r\n", head);
        Assert.Contains("features=\"broadcast\"", head);
        Assert.Contains("\r\nConnection: close\r\n", head);

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body));
        Assert.True(MmshFraming.TryReadChunk(ref reader, out var first));
        Assert.Equal(MmshChunkType.Header, first.Type);
        var header = AsfHeaderReader.Parse(first.Payload.ToArray());
        int data = 0;
        uint? lastLocation = null;
        byte? lastSequence = null;
        while (MmshFraming.TryReadChunk(ref reader, out var chunk))
        {
            Assert.Equal(MmshChunkType.Data, chunk.Type);
            Assert.Equal(header.PacketSize, (int)chunk.Payload.Length);
            // Location ids are the hub's packet numbers: consecutive for a viewer that keeps up. The AF sequence counts
            // 0..254 per viewer (MS-WMSP 2.2.3.1.2).
            if (lastLocation is { } l) Assert.Equal(l + 1, chunk.Preheader.LocationId);
            if (lastSequence is { } s) Assert.Equal(s == 254 ? 0 : s + 1, chunk.Preheader.AfFlags);
            lastLocation = chunk.Preheader.LocationId;
            lastSequence = chunk.Preheader.AfFlags;
            data++;
        }
        Assert.True(data > 20, $"only {data} $D chunks in 4 s");
    }

    /// <summary>
    /// A viewer slower than the gateway's flushes: with a 4 KB socket send buffer and a reader taking 2 KB at a time,
    /// nearly every gathered send is taken only in part, and the rest goes out from the ring slots once the socket has
    /// room (LiveViewerPump.SlotGather). The stream must still be whole packets, numbered without a gap.
    /// </summary>
    [Fact]
    public async Task A_wmsp_viewer_behind_a_small_socket_buffer_gets_the_rest_of_each_send_without_gaps()
    {
        await using var gateway = await GatewayHarness.StartAsync("--Gateway:SocketSendBufferBytes=4096");
        var (head, body) = await RawGetAsync(gateway,
            "GET /streams/live/live.asf HTTP/1.0\r\nHost: x\r\nUser-Agent: NSPlayer/9.0.0.2980\r\nPragma: xPlayStrm=1\r\nPragma: client-id=9\r\n\r\n",
            TimeSpan.FromSeconds(5), receiveBuffer: 4096, readSize: 2048, readPause: TimeSpan.FromMilliseconds(2));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body));
        Assert.True(MmshFraming.TryReadChunk(ref reader, out var first));
        Assert.Equal(MmshChunkType.Header, first.Type);
        var header = AsfHeaderReader.Parse(first.Payload.ToArray());
        var payloads = new AsfPayload[AsfPacketParser.MaxPayloads];
        int data = 0;
        uint? lastLocation = null;
        while (MmshFraming.TryReadChunk(ref reader, out var chunk))
        {
            Assert.Equal(MmshChunkType.Data, chunk.Type);
            Assert.Equal(header.PacketSize, (int)chunk.Payload.Length);
            if (lastLocation is { } l) Assert.Equal(l + 1, chunk.Preheader.LocationId);
            lastLocation = chunk.Preheader.LocationId;
            var packet = chunk.Payload.ToArray();
            Assert.True(AsfPacketParser.Parse(packet, header.PacketSize, payloads).PayloadCount > 0, $"data chunk {data} holds no packet");
            data++;
        }
        Assert.True(data > 20, $"only {data} $D chunks in 5 s");
    }

    /// <summary>
    /// Fast-path viewers are sent to by their flush clock's tick while their own loops sleep (LiveViewerPump.ParkedSender).
    /// Viewers that reset their connections mid-stream make those sends fail on the tick's thread: each must end
    /// quietly through its own loop, and the viewers sharing the clock must go on getting every packet.
    /// </summary>
    [Fact]
    public async Task Viewers_that_reset_their_connections_mid_stream_end_quietly_while_the_others_on_their_clock_get_every_packet()
    {
        await using var gateway = await GatewayHarness.StartAsync();
        const string Play = "GET /streams/live/live.asf HTTP/1.0\r\nHost: x\r\nUser-Agent: NSPlayer/9.0.0.2980\r\nPragma: xPlayStrm=1\r\n\r\n";
        var keepers = Enumerable.Range(0, 3).Select(_ => RawGetAsync(gateway, Play, TimeSpan.FromSeconds(5))).ToArray();
        var resetters = Enumerable.Range(0, 12).Select(async i =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Play));
            var buffer = new byte[64 * 1024];
            long received = 0;
            using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(800 + 200 * i));
            try
            {
                while (await stream.ReadAsync(buffer, deadline.Token) is > 0 and var n) received += n;
            }
            catch (OperationCanceledException)
            {
            }
            client.Client.LingerState = new LingerOption(true, 0); // close with RST, unread data and all
            client.Client.Close();
            return received;
        }).ToArray();

        Assert.All(await Task.WhenAll(resetters), received => Assert.True(received > 10_000, $"a resetting viewer got only {received} B"));
        foreach (var (head, body) in await Task.WhenAll(keepers))
        {
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
            Assert.True(CountGaplessWmspPackets(body) > 20);
        }
        // The gateway is still serving: a new viewer joins and plays.
        var (_, late) = await RawGetAsync(gateway, Play, TimeSpan.FromSeconds(2));
        Assert.True(CountGaplessWmspPackets(late) > 5);
        // Every viewer ended, none stuck (within a few flush intervals of its connection closing).
        double? viewers = null;
        for (var i = 0; i < 50 && (viewers = await gateway.MetricAsync("mmsgw_viewers", "output=\"wmsp\"")) != 0; i++) await Task.Delay(100);
        Assert.Equal(0, viewers);
    }

    /// <summary>
    /// A viewer that stops reading leaves the rest of a gathered send waiting for room in its socket
    /// (LiveViewerPump.SlotGather.SendRestAsync) while the hub goes on filling the ring. If it reads again just after the
    /// hub has reused the slots that rest came from, but before the hub ends it (a window as long as the rest, a fraction
    /// of a second), it must get the packets as they were or nothing: never the newer packets now in those slots, which
    /// would show as location ids a whole ring ahead. Viewers stall for a spread of durations around the ring's length
    /// so that some read again inside that window. Sending that rest straight from the ring (as before the pooled copy)
    /// failed here in about one run of three (a step of 82 ids); with the copy a newer packet cannot be sent in place.
    /// </summary>
    [Fact]
    public async Task Viewers_that_read_again_after_the_ring_reused_the_slots_of_their_waiting_send_never_get_newer_packets_in_their_place()
    {
        // The ring holds 256 KB (81 packets of 3200 bytes: about 6.2 s of this 333-kbit/s stream); small socket buffers
        // keep the rest of a send waiting as soon as the viewer stops reading (about half a second of stream after it stops).
        await using var gateway = await GatewayHarness.StartAsync("--Gateway:RingBytes=262144", "--Gateway:SocketSendBufferBytes=4096");
        const string Play = "GET /streams/live/live.asf HTTP/1.0\r\nHost: x\r\nUser-Agent: NSPlayer/9.0.0.2980\r\nPragma: xPlayStrm=1\r\n\r\n";
        var stalls = Enumerable.Range(0, 60).Select(i => TimeSpan.FromSeconds(5.5 + 0.05 * i)).ToArray();
        var bodies = await Task.WhenAll(stalls.Select(async stall =>
        {
            using var client = new TcpClient { ReceiveBufferSize = 4096 };
            await client.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Play));
            var received = new MemoryStream();
            var buffer = new byte[64 * 1024];
            async Task ReadForAsync(TimeSpan duration)
            {
                using var deadline = new CancellationTokenSource(duration);
                try
                {
                    while (await stream.ReadAsync(buffer, deadline.Token) is > 0 and var n) received.Write(buffer, 0, n);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException)
                {
                }
            }
            await ReadForAsync(TimeSpan.FromSeconds(1.5));
            await Task.Delay(stall);
            await ReadForAsync(TimeSpan.FromSeconds(3));
            var all = received.ToArray();
            return all[(all.AsSpan().IndexOf("\r\n\r\n"u8) + 4)..];
        }));

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bodies[0]));
        Assert.True(MmshFraming.TryReadChunk(ref reader, out var headerChunk));
        var ringPackets = 262144 / AsfHeaderReader.Parse(headerChunk.Payload.ToArray()).PacketSize;
        var counts = new List<int>();
        foreach (var body in bodies)
        {
            reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body));
            Assert.True(MmshFraming.TryReadChunk(ref reader, out _));
            uint? last = null;
            var packets = 0;
            while (MmshFraming.TryReadChunk(ref reader, out var chunk))
            {
                // Thinning after a stall skips packets (small steps forward; packets packed from the same source packet
                // share its id); a packet from a reused slot is a whole ring ahead.
                if (last is { } l) Assert.InRange(chunk.Preheader.LocationId - l, 0u, (uint)ringPackets / 2);
                last = chunk.Preheader.LocationId;
                packets++;
            }
            // Every viewer got data; how much depends on how fast the machine let the 60 of them start.
            Assert.True(packets > 0, "a viewer got no data packet");
            counts.Add(packets);
        }
        // The location-id check above only means something if most viewers read well past their first burst.
        counts.Sort();
        Assert.True(counts[counts.Count / 2] > 10, $"the median viewer got only {counts[counts.Count / 2]} packets");
        // The stalls reached the ring's length: the hub or the send's own check ended some of the viewers.
        Assert.True(await gateway.MetricAsync("mmsgw_dropped_packets_total", "reason=\"slow-viewer\"") > 0);
    }

    /// <summary>Reads an MS-WMSP body: one header chunk, then data chunks with consecutive location ids; returns their number.</summary>
    private static int CountGaplessWmspPackets(byte[] body)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body));
        Assert.True(MmshFraming.TryReadChunk(ref reader, out var first));
        Assert.Equal(MmshChunkType.Header, first.Type);
        var packetSize = AsfHeaderReader.Parse(first.Payload.ToArray()).PacketSize;
        var data = 0;
        uint? lastLocation = null;
        while (MmshFraming.TryReadChunk(ref reader, out var chunk))
        {
            Assert.Equal(MmshChunkType.Data, chunk.Type);
            Assert.Equal(packetSize, (int)chunk.Payload.Length);
            if (lastLocation is { } l) Assert.Equal(l + 1, chunk.Preheader.LocationId);
            lastLocation = chunk.Preheader.LocationId;
            data++;
        }
        return data;
    }

    [Fact]
    public async Task With_direct_send_off_the_viewer_gets_kestrels_chunked_response()
    {
        await using var gateway = await GatewayHarness.StartAsync("--Gateway:DirectSend=false");
        var (head, body) = await RawGetAsync(gateway, "GET /streams/live/live.asf HTTP/1.1\r\nHost: x\r\n\r\n", TimeSpan.FromSeconds(2));

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Contains("\r\nTransfer-Encoding: chunked\r\n", head);
        Assert.DoesNotContain("Connection: close", head);
        Assert.True(body.Length > 10_000);
    }

    [Fact]
    public void The_head_carries_the_headers_set_and_refuses_a_value_that_would_split_it()
    {
        var http = new DefaultHttpContext();
        http.Response.StatusCode = 200;
        http.Response.ContentType = "video/x-ms-asf";
        http.Response.Headers.Pragma = new(["no-cache", "client-id=5"]);
        http.Response.Headers.ContentLength = 10;
        Assert.True(DirectViewerConnection.TryFormatHead(http.Response, new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero), out var head));
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nContent-Type: video/x-ms-asf\r\nPragma: no-cache\r\nPragma: client-id=5\r\n"
            + "Date: Sun, 22 Nov 2026 06:00:00 GMT\r\nConnection: close\r\n\r\n",
            Encoding.Latin1.GetString(head));

        http.Response.Headers["X-Evil"] = "a\r\nSet-Cookie: b";
        Assert.False(DirectViewerConnection.TryFormatHead(http.Response, DateTimeOffset.UtcNow, out _));
    }

    [Fact]
    public void A_ring_slot_is_held_until_the_writer_starts_on_the_packet_a_capacity_later()
    {
        var ring = new PacketRing(capacity: 4, packetSize: 8);
        for (var i = 0; i < 4; i++) ring.Append(new byte[8] { (byte)i, 0, 0, 0, 0, 0, 0, 0 }, AsfStreamSet.None, (uint)i);

        Assert.True(ring.TryGetPublished(1, out var entry));
        Assert.Equal(1, ring.Buffer[ring.SlotOffset(1)]);
        Assert.Equal(8, entry.Length);
        Assert.False(ring.TryGetPublished(4, out _)); // not published yet
        Assert.True(ring.Holds(1));

        ring.Append(new byte[8], AsfStreamSet.None, 4); // reuses the slot of packet 0
        Assert.False(ring.Holds(0));
        Assert.True(ring.Holds(1));
        ring.Append(new byte[8], AsfStreamSet.None, 5);
        Assert.False(ring.Holds(1));
        Assert.False(ring.TryGetPublished(1, out _));
    }

    [Fact]
    public void A_ring_with_wmsp_prefixes_holds_consecutive_packets_as_one_framed_run()
    {
        var ring = new PacketRing(capacity: 8, packetSize: 32, ViewerFraming.RingPrefixSize, ViewerFraming.WriteRingPrefix);
        for (var i = 0; i < 300; i++) ring.Append(Enumerable.Repeat((byte)i, 32).ToArray(), AsfStreamSet.None, (uint)i);

        // Packets 293..295 lie back to back: read them as one piece of MS-WMSP, as a viewer would receive it.
        Assert.Equal(ring.SlotOffset(293) + 2 * ring.Stride, ring.SlotOffset(295));
        var run = ring.Buffer.AsSpan(ring.SlotOffset(293), 3 * ring.Stride).ToArray();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(run));
        for (var sequence = 293; sequence <= 295; sequence++)
        {
            Assert.True(MmshFraming.TryReadChunk(ref reader, out var chunk));
            Assert.Equal(MmshChunkType.Data, chunk.Type);
            Assert.Equal((uint)sequence, chunk.Preheader.LocationId);
            Assert.Equal(sequence % 255, chunk.Preheader.AfFlags);
            Assert.All(chunk.Payload.ToArray(), b => Assert.Equal((byte)sequence, b));
        }
        Assert.Equal(0, reader.Remaining);
    }

    /// <summary>Sends <paramref name="request"/> on a raw connection and reads for <paramref name="duration"/>: the head and the body.</summary>
    private static async Task<(string Head, byte[] Body)> RawGetAsync(GatewayHarness gateway, string request, TimeSpan duration,
        int? receiveBuffer = null, int readSize = 64 * 1024, TimeSpan readPause = default)
    {
        using var client = new TcpClient();
        if (receiveBuffer is { } size) client.ReceiveBufferSize = size;
        await client.ConnectAsync(gateway.BaseAddress.Host, gateway.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[readSize];
        using var deadline = new CancellationTokenSource(duration);
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, deadline.Token);
                if (n == 0) break;
                received.Write(buffer, 0, n);
                if (readPause > TimeSpan.Zero) await Task.Delay(readPause, deadline.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        var all = received.ToArray();
        var end = all.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, "no response head");
        return (Encoding.Latin1.GetString(all, 0, end + 4), all[(end + 4)..]);
    }
}
