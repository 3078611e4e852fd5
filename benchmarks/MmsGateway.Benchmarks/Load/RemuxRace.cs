using System.Diagnostics;
using System.Globalization;

namespace MmsGateway.Benchmarks.Load;

/// <summary>
/// Remux (target: at least 1.5 times ffmpeg's -c copy speed): <c>MmsGateway record in.asf -o out.asf --streams ...</c> against
/// <c>ffmpeg -i in.asf -map ... -c copy out.asf</c> on a large multi-bitrate file, whole-process wall time, the two
/// alternating so that both see the same machine state. The input (at least 400 MB) is made in a temp directory by
/// looping the 120-s multi-bitrate file with <c>-c copy</c>, and deleted afterwards; it is read once first so both
/// start from the page cache.
/// Usage: remux [source.asf, default /tmp/mmsgw-bench/mbr.asf] [--size-mb 420] [--runs 5] [--drop 3]
/// </summary>
public static class RemuxRace
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Arguments.Parse(args, "/tmp/mmsgw-bench/mbr.asf");
        var sizeMb = options.GetDouble("size-mb", 420);
        var runs = (int)options.GetDouble("runs", 5);
        var drop = (int)options.GetDouble("drop", 3);
        var work = Directory.CreateTempSubdirectory("mmsgw-remux-").FullName;
        try
        {
            var input = Path.Combine(work, "big.asf");
            var loops = (int)Math.Ceiling(sizeMb * 1048576 / new FileInfo(options.File).Length);
            await RunAsync("ffmpeg", ["-nostdin", "-y", "-v", "error", "-stream_loop", (loops - 1).ToString(CultureInfo.InvariantCulture), "-i", options.File, "-map", "0", "-c", "copy", input]);
            using (var header = MmsGateway.Asf.Files.AsfFile.Open(input))
            {
                var streams = header.Header.Streams.Select(s => s.StreamNumber).ToList();
                if (!streams.Contains(drop)) throw new ArgumentException($"--drop {drop}: the file has streams {string.Join(",", streams)}");
                var keep = streams.Where(n => n != drop).ToList();
                // ffmpeg numbers streams from 0 in header order; ASF numbers are the header's.
                var maps = streams.Select((n, i) => (n, i)).Where(x => x.n != drop).SelectMany(x => new[] { "-map", $"0:{x.i}" }).ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"input {new FileInfo(input).Length / 1048576.0:0} MiB, {header.PacketCount} packets of {header.PacketSize} bytes, streams {string.Join(",", streams)}; keeping {string.Join(",", keep)}"));
                Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
                Console.WriteLine(LoadRig.DescribeGateway());
                await RunAsync("cat", [input]); // into the page cache

                var gatewayOut = Path.Combine(work, "gateway.asf");
                var ffmpegOut = Path.Combine(work, "ffmpeg.asf");
                var gateway = new List<double>();
                var ffmpeg = new List<double>();
                var read = new List<double>();
                for (var r = 0; r < runs; r++)
                {
                    read.Add(await RunAsync("cat", [input]));
                    gateway.Add(await RunAsync("dotnet", [LoadRig.GatewayDll(), "record", input, "-o", gatewayOut, "--streams", string.Join(",", keep)]));
                    File.Delete(gatewayOut);
                    ffmpeg.Add(await RunAsync("ffmpeg", ["-nostdin", "-y", "-v", "error", "-i", input, .. maps, "-c", "copy", ffmpegOut]));
                    File.Delete(ffmpegOut);
                }
                Console.WriteLine($"load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
                Console.WriteLine();
                Console.WriteLine($"| process ({runs} runs, wall time) | median s | min s | max s |");
                Console.WriteLine("| --- | ---: | ---: | ---: |");
                Row("`MmsGateway record --streams " + string.Join(",", keep) + "`", gateway);
                Row($"`ffmpeg {string.Join(' ', maps)} -c copy`", ffmpeg);
                Row("`cat in.asf > /dev/null` (reading alone)", read);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nspeed ratio (ffmpeg median / gateway median): {Median(ffmpeg) / Median(gateway):0.00}"));
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Row(string name, List<double> seconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(seconds):0.000} | {seconds.Min():0.000} | {seconds.Max():0.000} |"));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Runs a process to its end (10-minute deadline) and returns its wall time in seconds; stdout is discarded.</summary>
    private static async Task<double> RunAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(deadline.Token);
        var elapsed = clock.Elapsed.TotalSeconds;
        await stdout;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {await stderr}");
        return elapsed;
    }
}
