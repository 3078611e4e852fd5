using System.Diagnostics;
using System.Globalization;

namespace MmsGateway.Benchmarks.Load;

/// <summary>
/// Fan-out (target: at least twice VLC's bytes per CPU-second, at most 64 KB RSS per viewer): one live stream, N viewers, the gateway against VLC's MMSH server in the same run. Our origin
/// loops the file as a live channel; each server under test is started fresh for each N, reads the origin's MMSH
/// URL, and serves N viewers of this process. Over a steady window it reports bytes delivered per CPU-second of
/// the server process (utime+stime from /proc), its RSS growth per viewer (from none once the server's RSS serving
/// nobody has settled, and past a first cohort of 10),
/// and the viewers that fell behind (ended by the server, or given less than 90 % of the smaller of the stream's mean
/// rate and what a viewer reading the origin directly got in the same window: the test file's bit rate varies, so a
/// window on a quiet stretch gets less than the mean, and a server that buffers a few seconds plays another stretch
/// than the origin's viewer in the same window).
/// The gateway reads the origin over MMSH; <c>gateway-mmst</c> and <c>gateway-rtsp</c> are the same gateway reading
/// it over MMST and over MS-RTSP (interleaved TCP), to compare the upstream protocols in one run.
/// Usage: fanout [file] [--viewers 10,100,150,500,1000] [--warmup S] [--window S] [--targets gateway,gateway-tuned,vlc,gateway-asf,gateway-mmst,gateway-rtsp]
/// [--gateway-config "--Gateway:Key=value ..."]
/// </summary>
public static class FanOut
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Arguments.Parse(args, "/tmp/mmsgw-bench/live25.asf");
        var counts = options.Get("viewers", "10,100,150,500,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var warmup = TimeSpan.FromSeconds(options.GetDouble("warmup", 5));
        var window = TimeSpan.FromSeconds(options.GetDouble("window", 20));
        var targets = options.Get("targets", "gateway,gateway-tuned,vlc").Split(',');
        // Extra gateway configuration, e.g. --gateway-config "--Gateway:ViewerFlushInterval=00:00:00.2".
        var gatewayConfig = options.Get("gateway-config", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var work = Directory.CreateTempSubdirectory("mmsgw-fanout-").FullName;
        var rig = new LoadRig(options.File, work);
        var rate = rig.StreamBytesPerSecond();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fan-out of {Path.GetFileName(rig.File)} ({rate * 8 / 1e6:0.000} Mbit/s of packets); warm-up {warmup.TotalSeconds} s, window {window.TotalSeconds} s; logs in {work}"));
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine(LoadRig.DescribeGateway());

        int originMmst = MeasuredProcess.FreePort(), originHttp = MeasuredProcess.FreePort(), originRtsp = MeasuredProcess.FreePort();
        await using var origin = await rig.StartOriginAsync(originMmst, originHttp, originRtsp);
        var upstreams = new Upstreams(originHttp, originMmst, originRtsp);
        var rows = new List<string>();
        foreach (var n in counts)
        {
            foreach (var target in targets)
            {
                var row = await MeasureAsync(rig, target, n, upstreams, rate, warmup, window, gatewayConfig);
                rows.Add(row);
                Console.WriteLine(row);
            }
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine();
        Console.WriteLine("| server | viewers | RSS with no viewer: first → settled MB | delivered MB/s | server CPU s/s | of it user | MB per CPU-second | RSS start → end MB | RSS per viewer KB | RSS per viewer past the first 10, KB | fell behind |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows) Console.WriteLine(row);
        return 0;
    }

    /// <summary>Viewers attached before the rest; RSS after them is the base of the per-further-viewer figure.</summary>
    private const int FirstCohort = 10;

    /// <summary>
    /// Waits until the server's RSS has grown by at most <see cref="SettledGrowth"/> over <see cref="SettleSpan"/>
    /// (sampled each second; at most <see cref="SettleLimit"/>). Returns the RSS then and the time it took.
    /// </summary>
    private static async Task<(long Rss, TimeSpan Took)> SettleAsync(MeasuredProcess server)
    {
        var clock = Stopwatch.StartNew();
        var samples = new List<long>();
        await Task.Delay(TimeSpan.FromSeconds(3));
        while (true)
        {
            samples.Add(server.Memory().RssBytes);
            var span = (int)SettleSpan.TotalSeconds;
            if (samples.Count > span && samples[^1] - samples[^(span + 1)] <= SettledGrowth) break;
            if (clock.Elapsed >= SettleLimit)
            {
                Console.WriteLine($"note: RSS still growing after {SettleLimit.TotalSeconds} s with no viewer; baseline taken anyway");
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        return (samples[^1], clock.Elapsed);
    }

    private static readonly TimeSpan SettleSpan = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(120);
    private const long SettledGrowth = 256 * 1024;

    private static string Marginal(long bytes, int viewers) =>
        viewers > 0 ? (bytes / 1024.0 / viewers).ToString("0.0", CultureInfo.InvariantCulture) : "–";

    /// <summary>The origin's ports: MMSH (the default upstream and the reference viewer's), MMST, MS-RTSP.</summary>
    private sealed record Upstreams(int Http, int Mmst, int Rtsp);

    private static async Task<string> MeasureAsync(LoadRig rig, string target, int viewers, Upstreams upstreams, double rate, TimeSpan warmup, TimeSpan window, string[] gatewayConfig)
    {
        var port = MeasuredProcess.FreePort();
        var originHttp = upstreams.Http;
        // A later Source on the command line replaces the rig's MMSH one.
        string Source(string scheme, int originPort) =>
            string.Create(CultureInfo.InvariantCulture, $"--Gateway:Streams:{rig.ChannelName}:Source={scheme}://127.0.0.1:{originPort}/{rig.ChannelName}");
        await using var server = target switch
        {
            "vlc" => await rig.StartVlcAsync(port, originHttp),
            "gateway" or "gateway-asf" => await rig.StartGatewayAsync(port, originHttp, gatewayConfig),
            "gateway-mmst" => await rig.StartGatewayAsync(port, originHttp, [Source("mmst", upstreams.Mmst), .. gatewayConfig]),
            "gateway-rtsp" => await rig.StartGatewayAsync(port, originHttp, [Source("rtsp", upstreams.Rtsp), .. gatewayConfig]),
            // The configuration a large fan-out should run with (benchmarks/README.md): 200-ms coalescing, no spinning.
            "gateway-tuned" => await rig.StartGatewayAsync(port, originHttp, LoadRig.TunedEnvironment,
                ["--Gateway:ViewerFlushInterval=00:00:00.2", .. gatewayConfig]),
            _ => throw new ArgumentException($"unknown target {target} (gateway, gateway-tuned, gateway-asf, gateway-mmst, gateway-rtsp, vlc)"),
        };
        var (path, request) = target switch
        {
            "vlc" => ("/", ViewerRequest.WmspPlay),
            "gateway" or "gateway-tuned" or "gateway-mmst" or "gateway-rtsp" => ($"/streams/{rig.ChannelName}/live.asf", ViewerRequest.WmspPlay),
            _ => ($"/streams/{rig.ChannelName}/live.asf", ViewerRequest.PlainAsf),
        };
        // The baseline is the server serving its upstream to nobody once its memory has stopped growing: a
        // server's fixed costs of a stream fill in over its first seconds (the gateway's packet ring, 8 MB by
        // default, fills at the stream's rate: 27 s at 2.5 Mbit/s), and they are not a cost of the viewers.
        var (rssEarly, _, _) = server.Memory();
        var (rssStart, settled) = await SettleAsync(server);

        // The yardstick for "fell behind": one viewer of the origin itself, counted over the same window.
        await using var reference = new ViewerLoad(originHttp, $"/{rig.ChannelName}", ViewerRequest.WmspPlay);
        await reference.AddAsync(1);
        await using var load = new ViewerLoad(port, path, request);
        // A first cohort pays the one-off costs of serving anyone (code compiled, pool threads started, buffers pooled);
        // RSS after it is the base of the marginal figure, which is what each further viewer costs.
        var cohort = Math.Min(FirstCohort, viewers);
        await load.AddAsync(cohort);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var (rssCohort, _, _) = server.Memory();
        await load.AddAsync(viewers - cohort);
        await Task.Delay(warmup);

        var before = load.Snapshot();
        var referenceBefore = reference.Snapshot()[0];
        var cpuBefore = server.CpuTimes();
        var clock = Stopwatch.StartNew();
        long rssPeak = 0;
        while (clock.Elapsed < window)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            rssPeak = Math.Max(rssPeak, server.Memory().RssBytes);
        }
        var after = load.Snapshot();
        var referenceGot = reference.Snapshot()[0] - referenceBefore;
        var cpuAfter = server.CpuTimes();
        var cpu = cpuAfter.User + cpuAfter.System - cpuBefore.User - cpuBefore.System;
        var userShare = cpu > 0 ? (cpuAfter.User - cpuBefore.User) / cpu : 0;
        var seconds = clock.Elapsed.TotalSeconds;

        var yardstick = Math.Min(referenceGot, rate * seconds);
        long delivered = 0;
        var behind = 0;
        for (var i = 0; i < after.Length; i++)
        {
            var got = after[i] - before[i];
            delivered += got;
            if (got < 0.9 * yardstick) behind++;
        }
        behind = Math.Max(behind, load.Ended);
        if (reference.Ended > 0 || referenceGot < 0.5 * rate * seconds)
            Console.WriteLine($"note: the reference viewer of the origin got {referenceGot} B in {seconds:0} s; the fell-behind count is not meaningful");
        var perCpu = cpu > 0 ? delivered / cpu / 1e6 : double.PositiveInfinity;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {target} | {viewers} | {rssEarly / 1048576.0:0} → {rssStart / 1048576.0:0} in {settled.TotalSeconds:0} s | {delivered / seconds / 1e6:0.0} | {cpu / seconds:0.000} | {userShare:P0} | {perCpu:0} | {rssStart / 1048576.0:0} → {rssPeak / 1048576.0:0} | {(rssPeak - rssStart) / 1024.0 / viewers:0.0} | {Marginal(rssPeak - rssCohort, viewers - cohort)} | {behind} |");
    }
}

/// <summary>Positional file argument plus <c>--name value</c> options.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _named = [];

    public string File { get; private set; } = "";

    public static Arguments Parse(string[] args, string defaultFile)
    {
        var parsed = new Arguments { File = defaultFile };
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) parsed._named[args[i][2..]] = args[++i];
            else parsed.File = args[i];
        }
        if (!System.IO.File.Exists(parsed.File)) throw new FileNotFoundException($"{parsed.File} not found: run benchmarks/make-media.sh");
        return parsed;
    }

    public string Get(string name, string fallback) => _named.TryGetValue(name, out var v) ? v : fallback;

    public double GetDouble(string name, double fallback) =>
        _named.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
