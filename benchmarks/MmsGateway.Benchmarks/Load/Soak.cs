using System.Diagnostics;
using System.Globalization;

namespace MmsGateway.Benchmarks.Load;

/// <summary>
/// Soak (no growth of memory, descriptors or threads over time): the origin and the gateway as separate processes, a few hundred viewers for ten minutes, the
/// origin killed and restarted on the same ports every minute. Every 10 s it samples the gateway's RSS, open file
/// descriptors (<c>/proc/PID/fd</c>) and threads, and at the end reports the samples and each one's least-squares
/// slope after the warm-up, per minute: a leak shows as a steady positive slope. Viewers the gateway ends
/// connect again (counted).
/// Usage: soak [file, default /tmp/mmsgw-bench/live25.asf] [--viewers 300] [--minutes 10] [--restart-every 60]
///        [--sample-every 10] [--warmup-minutes 2]
/// </summary>
public static class Soak
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Arguments.Parse(args, "/tmp/mmsgw-bench/live25.asf");
        var viewers = (int)options.GetDouble("viewers", 300);
        var duration = TimeSpan.FromMinutes(options.GetDouble("minutes", 10));
        var restartEvery = TimeSpan.FromSeconds(options.GetDouble("restart-every", 60));
        var sampleEvery = TimeSpan.FromSeconds(options.GetDouble("sample-every", 10));
        var warmup = TimeSpan.FromMinutes(options.GetDouble("warmup-minutes", 2));
        var work = Directory.CreateTempSubdirectory("mmsgw-soak-").FullName;
        var rig = new LoadRig(options.File, work);
        var rate = rig.StreamBytesPerSecond();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {viewers} viewers of {Path.GetFileName(rig.File)} ({rate * 8 / 1e6:0.00} Mbit/s) for {duration.TotalMinutes} min, origin restarted every {restartEvery.TotalSeconds} s; logs in {work}"));
        Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine(LoadRig.DescribeGateway());

        int originMmst = MeasuredProcess.FreePort(), originHttp = MeasuredProcess.FreePort(), gatewayPort = MeasuredProcess.FreePort();
        var origin = await rig.StartOriginAsync(originMmst, originHttp);
        // Reconnect quickly after the origin comes back (the default backoff doubles to 30 s).
        await using var gateway = await rig.StartGatewayAsync(gatewayPort, originHttp, "--Gateway:ReconnectMaxDelay=00:00:02");
        await using var load = new ViewerLoad(gatewayPort, $"/streams/{rig.ChannelName}/live.asf", ViewerRequest.PlainAsf) { Reconnect = true };
        await load.AddAsync(viewers);

        var samples = new List<(double Minutes, long Rss, int Fds, int Threads, double Cpu, long Bytes, long Ends)>();
        var clock = Stopwatch.StartNew();
        var nextRestart = restartEvery;
        var restarts = 0;
        Console.WriteLine("| t (min) | RSS MiB | fds | threads | CPU s (total) | delivered MiB (total) | viewer ends (total) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        try
        {
            while (clock.Elapsed < duration)
            {
                var wake = TimeSpan.FromTicks(Math.Min((sampleEvery * (samples.Count + 1)).Ticks, nextRestart.Ticks)) - clock.Elapsed;
                if (wake > TimeSpan.Zero) await Task.Delay(wake);
                if (gateway.HasExited) throw new InvalidOperationException($"the gateway exited; see {gateway.Log}");
                if (clock.Elapsed >= nextRestart)
                {
                    // Kill (not stop) the origin: upstream sessions break mid-stream, as when a server crashes.
                    await origin.DisposeAsync();
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    origin = await rig.StartOriginAsync(originMmst, originHttp);
                    restarts++;
                    nextRestart += restartEvery;
                }
                if (clock.Elapsed >= sampleEvery * (samples.Count + 1))
                {
                    var (rss, threads, fds) = gateway.Memory();
                    var sample = (clock.Elapsed.TotalMinutes, rss, fds, threads, gateway.CpuSeconds(), load.Snapshot().Sum(), load.Ends);
                    samples.Add(sample);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {sample.Item1:0.00} | {rss / 1048576.0:0.0} | {fds} | {threads} | {sample.Item5:0.0} | {sample.Item6 / 1048576.0:0} | {sample.Item7} |"));
                }
            }
        }
        finally
        {
            await origin.DisposeAsync();
        }

        var steady = samples.Where(s => s.Minutes >= warmup.TotalMinutes).ToList();
        Console.WriteLine();
        Console.WriteLine($"origin restarts: {restarts}; viewer ends (reconnected): {load.Ends}; viewers connected at the end: {load.Connected}/{viewers}");
        if (steady.Count >= 3)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"after the {warmup.TotalMinutes}-min warm-up ({steady.Count} samples): RSS {steady.Min(s => s.Rss) / 1048576.0:0.0}..{steady.Max(s => s.Rss) / 1048576.0:0.0} MiB, slope {Slope(steady, s => s.Rss / 1048576.0):+0.00;-0.00} MiB/min; " +
                $"fds {steady.Min(s => s.Fds)}..{steady.Max(s => s.Fds)}, slope {Slope(steady, s => s.Fds):+0.00;-0.00}/min; threads {steady.Min(s => s.Threads)}..{steady.Max(s => s.Threads)}, slope {Slope(steady, s => s.Threads):+0.00;-0.00}/min"));
            var minutes = steady[^1].Minutes - steady[0].Minutes;
            var delivered = (steady[^1].Bytes - steady[0].Bytes) / (minutes * 60);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"delivered after warm-up: {delivered / 1e6:0.0} MB/s = {delivered / (rate * viewers):P0} of {viewers} x the stream rate (the origin's restarts cost each viewer a few seconds a minute)"));
        }
        Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>Least-squares slope of <paramref name="value"/> over the samples' minutes.</summary>
    private static double Slope<T>(List<T> samples, Func<T, double> value) where T : struct, System.Runtime.CompilerServices.ITuple
    {
        var xs = samples.Select(s => (double)s[0]!).ToArray();
        var ys = samples.Select(value).ToArray();
        double mx = xs.Average(), my = ys.Average();
        double num = 0, den = 0;
        for (var i = 0; i < xs.Length; i++)
        {
            num += (xs[i] - mx) * (ys[i] - my);
            den += (xs[i] - mx) * (xs[i] - mx);
        }
        return den == 0 ? 0 : num / den;
    }
}
