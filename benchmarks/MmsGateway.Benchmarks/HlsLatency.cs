using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using MmsGateway.Origin;

namespace MmsGateway.Benchmarks;

/// <summary>
/// Cold stream to playable HLS playlist (target: under 0.75 times ffmpeg's own): the time from the first request for a stream nobody watches to
/// the first media playlist that lists a complete segment (and to one that lists 1 s of media), through the gateway (MMST upstream, hub, ffmpeg, in-memory
/// segmenter), next to ffmpeg's own <c>-i mmsh://… -f hls -hls_time 1</c> on the same live source (time from
/// starting ffmpeg to the first <c>.m3u8</c> on disk that lists a segment). Each gateway trial uses a stream name
/// never requested before, so the hub, its upstream session and ffmpeg all start cold.
/// Usage: hls-latency [ASF file, default /tmp/mmsgw-bench/sd.wmv] [trials, default 7].
/// </summary>
public static class HlsLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var file = args.Length > 0 ? args[0] : "/tmp/mmsgw-bench/sd.wmv";
        var trials = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        await using var origin = await OriginServer.StartAsync(new OriginOptions
        {
            Root = Path.GetDirectoryName(Path.GetFullPath(file))!,
            MmstPort = 0,
            HttpPort = 0,
            UdpPort = -1,
            Live = new Dictionary<string, string> { ["live"] = file },
        });
        string[] config =
        [
            "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            .. Enumerable.Range(0, trials).Select(i => $"--Gateway:Streams:cold{i}:Source=mmst://127.0.0.1:{origin.MmstPort}/live"),
        ];
        var app = GatewayHost.Build(config);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };

        var gateway = new List<double>();
        var gatewaySecond = new List<double>();
        var reference = new List<double>();
        var referenceDefaults = new List<double>();
        var mmsh = $"mmsh://127.0.0.1:{origin.HttpPort}/live";
        for (var i = 0; i < trials; i++)
        {
            var (first, second) = await GatewayColdStartAsync(http, $"cold{i}");
            gateway.Add(first);
            gatewaySecond.Add(second);
            await Task.Delay(500);
            // ffmpeg with the gateway's encoder settings, and with its defaults (libx264 medium) plus 1-s key frames.
            reference.Add(await FfmpegHlsAsync(mmsh, ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-c:a", "aac"]));
            referenceDefaults.Add(await FfmpegHlsAsync(mmsh, []));
            await Task.Delay(500);
        }
        await app.StopAsync();

        Console.WriteLine(Describe("gateway: cold stream -> first media playlist with a segment", gateway));
        Console.WriteLine(Describe("gateway: cold stream -> media playlist listing >= 1 s of segments", gatewaySecond));
        Console.WriteLine(Describe("ffmpeg -i mmsh:// -f hls -hls_time 1 (veryfast, zerolatency) -> first .m3u8 with a segment", reference));
        Console.WriteLine(Describe("ffmpeg -i mmsh:// -f hls -hls_time 1 (encoder defaults) -> first .m3u8 with a segment", referenceDefaults));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio of medians, gateway / ffmpeg (veryfast): {Median(gateway) / Median(reference):0.00}; gateway / ffmpeg (defaults): {Median(gateway) / Median(referenceDefaults):0.00}"));
        return 0;
    }

    /// <summary>
    /// Multivariant playlist, then the first variant's media playlist until it lists a segment (the gateway's first
    /// segment is one part long, for a quick start), and until its segments add up to 1 s (ffmpeg's first segment).
    /// </summary>
    private static async Task<(double FirstSegment, double OneSecond)> GatewayColdStartAsync(HttpClient http, string stream)
    {
        var watch = Stopwatch.StartNew();
        var master = await http.GetStringAsync($"/streams/{stream}/index.m3u8");
        var variant = master.Split('\n').First(l => l.StartsWith("hls/", StringComparison.Ordinal)).Trim();
        double first = -1;
        while (true)
        {
            var media = await http.GetStringAsync($"/streams/{stream}/{variant}");
            var listed = media.Split('\n').Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[8..].TrimEnd(','), CultureInfo.InvariantCulture));
            if (listed > 0 && first < 0) first = watch.Elapsed.TotalMilliseconds;
            if (listed >= 0.999) return (first, watch.Elapsed.TotalMilliseconds);
            if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{stream}: no segment after 30 s");
            await Task.Delay(5);
        }
    }

    /// <summary>ffmpeg's own HLS muxer straight from the MMSH source, in a temporary folder.</summary>
    private static async Task<double> FfmpegHlsAsync(string source, string[] codecs)
    {
        var dir = Directory.CreateTempSubdirectory("mmsgw-bench-hls-").FullName;
        var playlist = Path.Combine(dir, "index.m3u8");
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-i", source, .. codecs,
                     "-force_key_frames", "expr:gte(t,n_forced*1)", "-f", "hls", "-hls_time", "1", "-hls_list_size", "5", playlist])
            psi.ArgumentList.Add(a);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            while (true)
            {
                if (File.Exists(playlist))
                {
                    try
                    {
                        if ((await File.ReadAllTextAsync(playlist)).Contains("#EXTINF:", StringComparison.Ordinal)) return watch.Elapsed.TotalMilliseconds;
                    }
                    catch (IOException)
                    {
                    }
                }
                if (process.HasExited) throw new InvalidOperationException($"ffmpeg exited with {process.ExitCode} before writing a playlist");
                if (watch.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("ffmpeg wrote no playlist with a segment in 30 s");
                await Task.Delay(5);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(List<double> samples)
    {
        var sorted = samples.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Describe(string what, List<double> samples)
    {
        var sorted = samples.Order().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{what}: median {Median(samples):0} ms, min {sorted[0]:0} ms, max {sorted[^1]:0} ms ({samples.Count} trials: {string.Join(", ", samples.Select(s => s.ToString("0", CultureInfo.InvariantCulture)))})");
    }
}
