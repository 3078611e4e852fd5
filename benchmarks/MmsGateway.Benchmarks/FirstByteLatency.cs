using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using MmsGateway.Origin;

namespace MmsGateway.Benchmarks;

/// <summary>
/// Time to first byte for a viewer joining a running live stream (target: under 100 ms on loopback), and
/// for the first viewer of a cold stream (upstream connect + header + first key frame), once per upstream protocol in
/// the same run (the gateway reading the origin over MMST and over MS-RTSP, to compare them). Starts the origin and
/// the gateway in this process on loopback, then joins N viewers one after another.
/// Usage: first-byte [ASF file, default /tmp/mmsgw-bench/mbr.asf] [joins, default 100] [schemes, default mmst,rtsp].
/// </summary>
public static class FirstByteLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var file = args.Length > 0 ? args[0] : "/tmp/mmsgw-bench/mbr.asf";
        var joins = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var schemes = (args.Length > 2 ? args[2] : "mmst,rtsp").Split(',', StringSplitOptions.RemoveEmptyEntries);
        await using var origin = await OriginServer.StartAsync(new OriginOptions
        {
            Root = Path.GetDirectoryName(Path.GetFullPath(file))!,
            MmstPort = 0,
            HttpPort = 0,
            UdpPort = -1,
            RtspPort = 0,
            Live = new Dictionary<string, string> { ["live"] = file },
        });
        int PortOf(string scheme) => scheme switch
        {
            "mmst" => origin.MmstPort,
            "mmsh" => origin.HttpPort,
            "rtsp" or "rtspt" or "rtspu" => origin.RtspPort,
            _ => throw new ArgumentException($"unknown scheme {scheme} (mmst, mmsh, rtsp, rtspu)"),
        };
        var app = GatewayHost.Build(
        [
            "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Gateway:Demo=false",
            .. schemes.Select(scheme => string.Create(CultureInfo.InvariantCulture,
                $"--Gateway:Streams:live-{scheme}:Source={scheme}://127.0.0.1:{PortOf(scheme)}/live")),
            .. schemes.Select(scheme => string.Create(CultureInfo.InvariantCulture,
                $"--Gateway:Streams:warmup-{scheme}:Source={scheme}://127.0.0.1:{PortOf(scheme)}/live")),
        ]);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient { BaseAddress = address };

        // The first stream opened pays for the JIT of the whole path (hundreds of ms): open one of each scheme first and
        // drop its figures, so the measured cold starts compare the protocols, not the order they were tried in.
        foreach (var scheme in schemes)
        {
            await FirstByteAsync(http, $"/streams/warmup-{scheme}/live.asf");
            for (var i = 0; i < 10; i++) await FirstByteAsync(http, $"/streams/warmup-{scheme}/live.asf");
        }

        foreach (var scheme in schemes)
        {
            var path = $"/streams/live-{scheme}/live.asf";
            var cold = await FirstByteAsync(http, path);
            await Task.Delay(TimeSpan.FromSeconds(3)); // let the ring fill past a key frame
            var samples = new List<double>();
            for (var i = 0; i < joins; i++) samples.Add(await FirstByteAsync(http, path));
            samples.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{scheme}: cold stream, first viewer: {cold:0.0} ms to first byte"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{scheme}: joining a running stream ({joins} joins): min {samples[0]:0.00} ms, median {samples[joins / 2]:0.00} ms, p95 {samples[(int)(joins * 0.95)]:0.00} ms, max {samples[^1]:0.00} ms"));
        }
        await app.StopAsync();
        return 0;
    }

    private static async Task<double> FirstByteAsync(HttpClient http, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1];
        await body.ReadExactlyAsync(buffer);
        return watch.Elapsed.TotalMilliseconds;
    }
}
