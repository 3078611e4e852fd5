using System.Diagnostics;
using System.Net.Sockets;
using MmsGateway.Tests.Streams;
using Xunit.Abstractions;

namespace MmsGateway.Tests.Faults;

/// <summary>
/// Faults downstream: viewers that read slowly or never, and a thousand connections that do nothing.
/// The gateway ends what it cannot serve (ring overrun, header deadline) and keeps serving everyone else, with
/// memory per connection measured and bounded.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ViewerFaultTests(ITestOutputHelper output)
{
    private static readonly byte[] LiveRequest = "GET /streams/live/live.asf HTTP/1.1\r\nHost: gateway\r\n\r\n"u8.ToArray();

    [Fact]
    public async Task A_viewer_reading_one_kilobyte_a_second_is_ended_by_the_hub_while_a_normal_viewer_keeps_up()
    {
        // A small ring (about 4.5 s of this stream) and small socket buffers so the slow viewer falls a ring behind
        // quickly; ~460 kbit/s read at 1 KB/s is 57 times too slow.
        await using var gateway = await FaultGateway.WithVictimSourceAsync("mmst://nonexistent.invalid/none",
            "--Gateway:RingBytes=262144", "--Gateway:SocketSendBufferBytes=16384", "--Kestrel:Limits:MaxResponseBufferSize=16384");
        await using var bystander = BystanderViewer.Start(gateway.Http);
        using var slow = new TcpClient { ReceiveBufferSize = 4096 };
        await slow.ConnectAsync(gateway.Harness.BaseAddress.Host, gateway.Harness.BaseAddress.Port);
        var stream = slow.GetStream();
        await stream.WriteAsync(LiveRequest);

        var clock = Stopwatch.StartNew();
        var buffer = new byte[1024];
        long received = 0;
        var ended = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            int n;
            try
            {
                using var perRead = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                n = await stream.ReadAsync(buffer, perRead.Token);
            }
            catch (IOException)
            {
                n = 0; // reset by the gateway
            }
            if (n == 0)
            {
                ended = true;
                break;
            }
            received += n;
            await Task.Delay(1000);
        }

        output.WriteLine($"slow viewer: {received} bytes, ended after {clock.Elapsed.TotalSeconds:0.0} s; bystander {bystander.Bytes} bytes");
        Assert.True(ended, "the gateway ended the slow viewer");
        Assert.True(received > 0, "the slow viewer was served before it fell behind");
        Assert.True(await gateway.Harness.MetricAsync("mmsgw_dropped_packets_total", "reason=\"slow-viewer\"") > 0);
        // ~57 KB/s for the whole time the slow viewer lasted (at least a few seconds).
        await bystander.AssertFlowingAsync((long)(clock.Elapsed.TotalSeconds * 30_000));
    }

    [Fact]
    public async Task A_thousand_idle_connections_cost_bounded_memory_and_the_gateway_keeps_serving()
    {
        await using var gateway = await FaultGateway.WithVictimSourceAsync("mmst://nonexistent.invalid/none");
        await using var bystander = BystanderViewer.Start(gateway.Http);
        await bystander.AssertFlowingAsync(50_000);
        var before = FaultGateway.Memory();

        // Connected sockets that never send a request byte.
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var client = new TcpClient();
                idle.Add(client);
                await client.ConnectAsync(gateway.Harness.BaseAddress.Host, gateway.Harness.BaseAddress.Port);
            }
            await Task.Delay(TimeSpan.FromSeconds(3));
            var after = FaultGateway.Memory();
            var perConnection = (after.Managed - before.Managed) / 1000;
            output.WriteLine($"1000 idle sockets: managed {before.Managed >> 10} → {after.Managed >> 10} KiB ({perConnection} B per connection, " +
                $"both ends in this process), working set {before.WorkingSet >> 20} → {after.WorkingSet >> 20} MiB");
            Assert.True(perConnection < 64 * 1024, $"{perConnection} bytes of managed memory per idle connection");

            // Still serving: status, a new viewer, the bystander.
            Assert.Equal("playing", (await gateway.StatusAsync("live")).State);
            var view = await gateway.Harness.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(3));
            Assert.True(view.Length > 30_000, $"a new viewer got {view.Length} bytes");
            await bystander.AssertFlowingAsync(bystander.Bytes + 100_000);
            Assert.All(idle, c => Assert.True(c.Connected));
        }
        finally
        {
            foreach (var c in idle) c.Dispose();
        }
    }

    /// <summary>
    /// With the default buffers (Kestrel's 64 KiB response buffer, 256 KiB socket send buffer) and with both at
    /// 16 KiB, as an operator expecting many stalled clients would set them. The bound is per viewer.
    /// </summary>
    [Theory]
    [InlineData(false, 512 * 1024)]
    [InlineData(true, 256 * 1024)]
    public async Task A_thousand_attached_viewers_that_never_read_cost_bounded_memory_and_a_normal_viewer_keeps_up(bool smallBuffers, int boundPerViewer)
    {
        await using var gateway = await FaultGateway.WithVictimSourceAsync("mmst://nonexistent.invalid/none",
            smallBuffers ? ["--Gateway:SocketSendBufferBytes=16384", "--Kestrel:Limits:MaxResponseBufferSize=16384"] : []);
        await using var bystander = BystanderViewer.Start(gateway.Http);
        await bystander.AssertFlowingAsync(50_000);
        var before = FaultGateway.Memory();

        var stalled = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var client = new TcpClient { ReceiveBufferSize = 4096 };
                stalled.Add(client);
                await client.ConnectAsync(gateway.Harness.BaseAddress.Host, gateway.Harness.BaseAddress.Port);
                await client.GetStream().WriteAsync(LiveRequest);
            }
            var status = await gateway.WaitForAsync("live", s => s.State == "playing", TimeSpan.FromSeconds(30), "playing");
            // The last requests may still be on their way through Kestrel: wait for them (the bystander makes 1001).
            var attaching = Stopwatch.StartNew();
            int viewers;
            while ((viewers = await ViewersAsync(gateway)) < 1001 && attaching.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(200);
            output.WriteLine($"attached: {viewers} viewers after {attaching.Elapsed.TotalSeconds:0.0} s ({status})");
            Assert.True(viewers - 1 >= 1000, $"only {viewers - 1} of 1000 stalled viewers attached");

            // They fill their buffers within seconds; then the gateway holds what it cannot send.
            await Task.Delay(TimeSpan.FromSeconds(8));
            var after = FaultGateway.Memory();
            var perViewer = (after.Managed - before.Managed) / 1000;
            output.WriteLine($"1000 stalled viewers (small buffers: {smallBuffers}): managed {before.Managed >> 10} → {after.Managed >> 10} KiB ({perViewer} B per viewer), " +
                $"working set {before.WorkingSet >> 20} → {after.WorkingSet >> 20} MiB");
            Assert.True(perViewer < boundPerViewer, $"{perViewer} bytes of managed memory per stalled viewer");

            var view = await gateway.Harness.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(4));
            Assert.True(view.Length > 50_000, $"a new viewer got {view.Length} bytes beside 1000 stalled ones");
            await bystander.AssertFlowingAsync(bystander.Bytes + 150_000);
        }
        finally
        {
            foreach (var c in stalled) c.Dispose();
        }
    }

    [Fact]
    public async Task A_thousand_viewers_that_never_read_are_all_ended_by_the_hub_and_the_reading_one_stays()
    {
        // A ring of about 4.5 s: the stalled viewers fall a whole ring behind within seconds.
        await using var gateway = await FaultGateway.WithVictimSourceAsync("mmst://nonexistent.invalid/none",
            "--Gateway:RingBytes=262144", "--Gateway:SocketSendBufferBytes=16384", "--Kestrel:Limits:MaxResponseBufferSize=16384");
        await using var bystander = BystanderViewer.Start(gateway.Http);
        await bystander.AssertFlowingAsync(50_000);

        var stalled = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var client = new TcpClient { ReceiveBufferSize = 4096 };
                stalled.Add(client);
                await client.ConnectAsync(gateway.Harness.BaseAddress.Host, gateway.Harness.BaseAddress.Port);
                await client.GetStream().WriteAsync(LiveRequest);
            }

            var clock = Stopwatch.StartNew();
            int viewers;
            while ((viewers = await ViewersAsync(gateway)) > 1 && clock.Elapsed < TimeSpan.FromSeconds(90)) await Task.Delay(500);
            output.WriteLine($"stalled viewers ended: {viewers} viewer(s) left after {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(1, viewers); // the bystander
            Assert.True(await gateway.Harness.MetricAsync("mmsgw_dropped_packets_total", "reason=\"slow-viewer\"") > 0);
            await bystander.AssertFlowingAsync(bystander.Bytes + 100_000);
        }
        finally
        {
            foreach (var c in stalled) c.Dispose();
        }
    }

    private static async Task<int> ViewersAsync(FaultGateway gateway)
    {
        using var document = System.Text.Json.JsonDocument.Parse(await gateway.Http.GetStringAsync("/streams"));
        return document.RootElement.GetProperty("streams").EnumerateArray()
            .Where(s => s.GetProperty("name").GetString() == "live").Select(s => s.GetProperty("viewers").GetInt32()).Single();
    }
}

/// <summary>A viewer whose stream never comes up gets a clean HTTP error, not a hang (its own class: it waits 30 s).</summary>
public sealed class UnreachableStreamViewerTests
{
    [Fact]
    public async Task A_viewer_of_a_stream_whose_host_does_not_resolve_gets_504_with_the_reason()
    {
        await using var gateway = await FaultGateway.WithVictimSourceAsync("mmst://nonexistent.invalid/live");
        var clock = Stopwatch.StartNew();
        using var response = await gateway.Http.GetAsync("/streams/victim/live.asf");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("nonexistent.invalid", body, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the answer took {clock.Elapsed}");
        Assert.Equal("reconnecting", (await gateway.StatusAsync("victim")).State);
        var other = await gateway.Harness.ReadAsync("/streams/live/live.asf", TimeSpan.FromSeconds(3));
        Assert.True(other.Length > 30_000, $"a viewer of another stream got {other.Length} bytes");
    }
}
