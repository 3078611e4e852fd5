using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Streams;

/// <summary>
/// A real origin and a real gateway on loopback: the origin loops generated media as live streams (<c>live</c>,
/// <c>mbrlive</c>, and any the test adds) and serves files; the gateway is configured with streams pointing at it, exactly as an operator
/// would configure one. The origin can be stopped and started again on the same ports.
/// </summary>
public sealed class GatewayHarness : IAsyncDisposable
{
    private TestOrigin? _origin;

    public OriginServer Origin => _origin!.Server;
    public WebApplication Gateway { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    /// <summary>The origin's root: generated <c>single.wmv</c>, <c>mbr.asf</c>, <c>audio.wma</c>.</summary>
    public string Root => _origin!.Root;

    public static Task<GatewayHarness> StartAsync(params string[] extraConfiguration) => StartAsync(_ => extraConfiguration);

    /// <summary>Starts with configuration that depends on the origin's ports.</summary>
    public static Task<GatewayHarness> StartAsync(Func<OriginServer, string[]> extraConfiguration) =>
        StartAsync(new Dictionary<string, string>(), extraConfiguration);

    /// <summary>
    /// Starts with more live channels on the origin (name to file), configuration that depends on the origin's ports,
    /// and <paramref name="configureOrigin"/> changing the origin's options (loss on purpose ...).
    /// </summary>
    public static async Task<GatewayHarness> StartAsync(IReadOnlyDictionary<string, string> extraLive, Func<OriginServer, string[]> extraConfiguration,
        Func<OriginOptions, OriginOptions>? configureOrigin = null)
    {
        var harness = new GatewayHarness();
        harness._origin = await TestOrigin.StartAsync(10, root =>
        {
            var options = TestOrigin.DefaultOptions(root) with
            {
                Live = new Dictionary<string, string>(extraLive)
                {
                    ["live"] = Path.Combine(root, "single.wmv"),
                    ["mbrlive"] = Path.Combine(root, "mbr.asf"),
                },
            };
            return configureOrigin?.Invoke(options) ?? options;
        });
        var mmst = harness.Origin.MmstPort;
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            "--Gateway:ReconnectInitialDelay=00:00:00.500",
            "--Gateway:ReconnectMaxDelay=00:00:02",
            "--Gateway:ReadTimeout=00:00:03",
            $"--Gateway:Streams:live:Source=mmst://127.0.0.1:{mmst}/live",
            $"--Gateway:Streams:mbrlive:Source=mmst://127.0.0.1:{mmst}/mbrlive",
            // The hub takes every video stream of mbrlive (smart streaming off): per-viewer choice and one HLS variant
            // per source stream are tested on it; tests/MmsGateway.Tests/Adaptation covers smart streaming.
            "--Gateway:Streams:mbrlive:Adaptive=false",
            $"--Gateway:Streams:file:Source=mmst://127.0.0.1:{mmst}/single.wmv",
            "--Gateway:Streams:file:OnDemand=true",
            .. extraConfiguration(harness.Origin),
        ];
        harness.Gateway = GatewayHost.Build(args);
        await harness.Gateway.StartAsync();
        var address = harness.Gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        harness.BaseAddress = new Uri(address);
        harness.Http = new HttpClient { BaseAddress = harness.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        return harness;
    }

    public Uri Url(string path) => new(BaseAddress, path);

    public Task StopOriginAsync() => _origin!.StopAsync();

    /// <summary>Starts the origin again on the ports it had.</summary>
    public Task RestartOriginAsync() => _origin!.RestartAsync();

    /// <summary>Reads a stream URL for a while and returns the bytes received (the response is not expected to end).</summary>
    public async Task<byte[]> ReadAsync(string path, TimeSpan duration)
    {
        using var cts = new CancellationTokenSource(duration);
        using var response = await Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cts.Token);
        var buffer = new MemoryStream();
        try
        {
            await body.CopyToAsync(buffer, cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        return buffer.ToArray();
    }

    /// <summary>A sample of the Prometheus text for <paramref name="name"/> with the given label fragment, or null.</summary>
    public async Task<double?> MetricAsync(string name, string labelFragment)
    {
        var text = await Http.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal) || !line.Contains(labelFragment, StringComparison.Ordinal)) continue;
            return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return null;
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.StopAsync();
            await Gateway.DisposeAsync();
        }
        if (_origin is not null) await _origin.DisposeAsync();
    }
}
