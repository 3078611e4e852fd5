using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MmsGateway.Benchmarks.Load;

/// <summary>
/// A process started by a load run (origin, gateway, VLC): its CPU time and memory read from <c>/proc</c>, and a
/// kill that also ends its children. Output goes to a log file next to the run's other files, so a failed start
/// can be diagnosed.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private static readonly long ClockTicks = 100; // sysconf(_SC_CLK_TCK) is 100 on Linux/x86-64 and arm64.
    private readonly Process _process;

    private ChildProcess(Process process, string name, string log)
    {
        _process = process;
        Name = name;
        Log = log;
    }

    public string Name { get; }
    public string Log { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string logDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var log = Path.Combine(logDirectory, $"{name}.log");
        var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        var gate = new Lock();
        void Write(string? line)
        {
            if (line is null) return;
            lock (gate) writer.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.Exited += (_, _) => { lock (gate) writer.Dispose(); };
        process.EnableRaisingEvents = true;
        return new ChildProcess(process, name, log);
    }

    /// <summary>utime + stime of the process (all its threads) in seconds, from <c>/proc/PID/stat</c>.</summary>
    public double CpuSeconds()
    {
        var (user, system) = CpuTimes();
        return user + system;
    }

    /// <summary>utime and stime apart (user code and the kernel's work on its behalf, sends included).</summary>
    public (double User, double System) CpuTimes()
    {
        var stat = File.ReadAllText($"/proc/{Id}/stat");
        // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime / (double)ClockTicks, stime / (double)ClockTicks);
    }

    /// <summary>Resident set size in bytes (<c>VmRSS</c>), threads and open file descriptors.</summary>
    public (long RssBytes, int Threads, int Fds) Memory()
    {
        long rss = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                threads = int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
        }
        var fds = Directory.GetFileSystemEntries($"/proc/{Id}/fd").Length;
        return (rss, threads, fds);
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>A TCP port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>.</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout, ChildProcess owner)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (owner.HasExited) throw new InvalidOperationException($"{owner.Name} exited at start; see {owner.Log}");
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"{owner.Name} did not listen on port {port} within {timeout.TotalSeconds} s; see {owner.Log}");
    }
}
