using MmsGateway.Origin;
using MmsGateway.Testing;
using MmsGateway.Testing.Misbehaving;
using Xunit.Abstractions;

namespace MmsGateway.Tests.Faults;

/// <summary>
/// Faults upstream: the victim stream's source dies, stalls, sends garbage, resets the handshake, does
/// not resolve or lies in its framing. Each ends in a reconnect that recovers when the source is healthy again, or
/// in a clean error in <c>GET /streams</c>; meanwhile stream <c>live</c> keeps flowing to its viewer and the
/// process's memory stays bounded (generous bounds: other test classes share the process).
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class UpstreamFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Managed heap growth allowed over a fault (the rings alone are 8 MB per stream).</summary>
    private const long ManagedGrowthBound = 64L << 20;

    [Fact]
    public async Task Origin_killed_mid_stream_the_hub_reconnects_and_recovers_when_it_returns()
    {
        await using var gateway = await FaultGateway.WithVictimOriginAsync();
        await using var bystander = BystanderViewer.Start(gateway.Http);
        await gateway.WaitForAsync("victim", s => s.State == "playing", Patience, "playing");
        var before = FaultGateway.Memory();

        await gateway.StopVictimOriginAsync();
        var lost = await gateway.WaitForAsync("victim", s => s.State == "reconnecting" && s.LastError is not null, Patience, "reconnecting");
        await Task.Delay(TimeSpan.FromSeconds(4)); // a few failed reconnects against the closed port
        var refused = await gateway.StatusAsync("victim");
        Assert.True(refused.Reconnects >= 2, $"reconnect attempts go on while the origin is away: {refused}");

        await gateway.RestartVictimOriginAsync();
        await gateway.WaitForAsync("victim", s => s.State == "playing" && s.LastError is null, Patience, "playing again");
        var view = await gateway.Harness.ReadAsync("/streams/victim/live.asf", TimeSpan.FromSeconds(3));
        Assert.True(view.Length > 30_000, $"after recovery a viewer got {view.Length} bytes");
        Assert.True(await gateway.Harness.MetricAsync("mmsgw_upstream_reconnects_total", "stream=\"victim\"") >= 2);

        await bystander.AssertFlowingAsync(200_000);
        AssertBounded(before, $"origin killed ({lost.LastError})");
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task Origin_that_stalls_after_the_header_is_dropped_at_the_read_deadline_and_recovers(string scheme)
    {
        await using var gateway = await FaultGateway.WithVictimOriginAsync(scheme);
        await using var bystander = BystanderViewer.Start(gateway.Http);
        await gateway.WaitForAsync("victim", s => s.State == "playing", Patience, "playing");
        var before = FaultGateway.Memory();

        gateway.VictimOrigin!.Faults = new OriginFaults { StallAfter = TimeSpan.FromSeconds(1) };
        // The harness's read deadline is 3 s: each session stalls after 1 s and is given up 3 s later.
        var stalled = await gateway.WaitForAsync("victim", s => s.Reconnects >= 2 && s.LastError is not null, Patience, "given up twice");
        output.WriteLine($"{scheme} stall: {stalled}");

        gateway.VictimOrigin.Faults = new OriginFaults();
        await AssertRecoversAsync(gateway, stalled.Reconnects);
        await bystander.AssertFlowingAsync(200_000);
        AssertBounded(before, $"{scheme} stall");
    }

    [Theory]
    [InlineData("mmst")]
    [InlineData("mmsh")]
    public async Task Origin_that_sends_garbage_after_a_valid_header_gets_a_clean_error_and_recovers(string scheme)
    {
        await using var gateway = await FaultGateway.WithVictimOriginAsync(scheme);
        await using var bystander = BystanderViewer.Start(gateway.Http);
        await gateway.WaitForAsync("victim", s => s.State == "playing", Patience, "playing");
        var before = FaultGateway.Memory();

        gateway.VictimOrigin!.Faults = new OriginFaults { GarbageAfter = TimeSpan.FromSeconds(1) };
        var broken = await gateway.WaitForAsync("victim", s => s.Reconnects >= 2 && s.LastError is not null, Patience, "failing on garbage");
        output.WriteLine($"{scheme} garbage: {broken}");

        gateway.VictimOrigin.Faults = new OriginFaults();
        await AssertRecoversAsync(gateway, broken.Reconnects);
        await bystander.AssertFlowingAsync(200_000);
        AssertBounded(before, $"{scheme} garbage");
    }

    [Fact]
    public async Task Origin_that_resets_during_the_handshake_is_retried_with_backoff_and_recovers()
    {
        await using var gateway = await FaultGateway.WithVictimOriginAsync();
        await using var bystander = BystanderViewer.Start(gateway.Http);
        await gateway.WaitForAsync("victim", s => s.State == "playing", Patience, "playing");
        var before = FaultGateway.Memory();

        gateway.VictimOrigin!.Faults = new OriginFaults { ResetDuringHandshake = true, DisconnectAfter = TimeSpan.FromSeconds(1) };
        var refused = await gateway.WaitForAsync("victim", s => s.Reconnects >= 3 && s.State == "reconnecting", Patience, "refused");
        output.WriteLine($"handshake reset: {refused}");
        Assert.NotNull(refused.LastError);

        gateway.VictimOrigin.Faults = new OriginFaults();
        await AssertRecoversAsync(gateway, refused.Reconnects);
        await bystander.AssertFlowingAsync(200_000);
        AssertBounded(before, "handshake reset");
    }

    [Fact]
    public async Task A_server_that_resets_every_connection_after_the_first_bytes_is_a_clean_error()
    {
        await using var server = MisbehavingServer.Start(MisbehavingServer.ResetAfterFirstBytesAsync);
        await using var gateway = await FaultGateway.WithVictimSourceAsync($"mmst://127.0.0.1:{server.Port}/live");
        await using var bystander = BystanderViewer.Start(gateway.Http);
        var before = FaultGateway.Memory();

        var state = await gateway.WaitForAsync("victim", s => s.Reconnects >= 3, Patience, "retried three times");
        output.WriteLine($"reset server: {state}, {server.Connections} connections");
        Assert.Equal("reconnecting", state.State);
        Assert.False(string.IsNullOrWhiteSpace(state.LastError));
        Assert.True(server.Connections >= 3, $"the gateway connected {server.Connections} times");
        await bystander.AssertFlowingAsync(100_000);
        AssertBounded(before, "reset server");
    }

    [Fact]
    public async Task A_source_host_that_does_not_resolve_is_a_clean_error_and_the_gateway_serves_on()
    {
        await using var gateway = await FaultGateway.WithVictimSourceAsync("mmst://nonexistent.invalid/live");
        await using var bystander = BystanderViewer.Start(gateway.Http);

        var state = await gateway.WaitForAsync("victim", s => s.Reconnects >= 2, Patience, "failing to resolve");
        output.WriteLine($"DNS failure: {state}");
        Assert.Equal("reconnecting", state.State);
        Assert.Contains("nonexistent.invalid", state.LastError, StringComparison.OrdinalIgnoreCase);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await bystander.AssertFlowingAsync(100_000);
        Assert.Equal("playing", (await gateway.StatusAsync("live")).State);
    }

    [Theory]
    [InlineData(MmshLie.GarbageAfterHeader)]
    [InlineData(MmshLie.StallAfterHeader)]
    [InlineData(MmshLie.DataLongerThanSent)]
    [InlineData(MmshLie.DataLargerThanPacketSize)]
    [InlineData(MmshLie.HeaderNeverEnds)]
    public async Task An_mmsh_server_that_lies_in_its_framing_is_a_clean_error(MmshLie lie)
    {
        var header = LyingMmshServer.HeaderOf(await GeneratedMedia.SingleBitrateAsync());
        await using var server = LyingMmshServer.Start(header, lie);
        await using var gateway = await FaultGateway.WithVictimSourceAsync($"mmsh://127.0.0.1:{server.Port}/live");
        await using var bystander = BystanderViewer.Start(gateway.Http);
        var before = FaultGateway.Memory();

        var state = await gateway.WaitForAsync("victim", s => s.Reconnects >= 2 && s.LastError is not null, Patience, "failing");
        output.WriteLine($"{lie}: {state}, {server.Connections} connections");
        // Describe and Play, then again after the failure (a header that never ends fails Describe itself).
        Assert.True(server.Connections >= (lie == MmshLie.HeaderNeverEnds ? 2 : 4), $"{server.Connections} connections");
        await bystander.AssertFlowingAsync(100_000);
        AssertBounded(before, lie.ToString());
    }

    private static async Task AssertRecoversAsync(FaultGateway gateway, long reconnectsDuringFault)
    {
        // The hub may be between a failure and the next attempt: wait for a session that plays and stays.
        await gateway.WaitForAsync("victim", s => s.State == "playing" && s.LastError is null, Patience, "playing again");
        var view = await gateway.Harness.ReadAsync("/streams/victim/live.asf", TimeSpan.FromSeconds(4));
        Assert.True(view.Length > 30_000, $"after recovery a viewer got {view.Length} bytes");
        var after = await gateway.StatusAsync("victim");
        Assert.Equal("playing", after.State);
        Assert.True(after.Reconnects >= reconnectsDuringFault);
    }

    private void AssertBounded((long Managed, long WorkingSet) before, string fault)
    {
        var after = FaultGateway.Memory();
        output.WriteLine($"{fault}: managed {before.Managed >> 10} → {after.Managed >> 10} KiB, working set {before.WorkingSet >> 20} → {after.WorkingSet >> 20} MiB");
        Assert.True(after.Managed - before.Managed < ManagedGrowthBound,
            $"{fault}: managed heap grew by {(after.Managed - before.Managed) >> 20} MiB");
    }
}

/// <summary>The fault tests run one at a time: each measures the process's memory.</summary>
[CollectionDefinition(Name)]
public sealed class FaultCollection
{
    public const string Name = "Faults";
}
