using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MmsGateway.Processes;

namespace MmsGateway.Benchmarks.Load;

/// <summary>
/// A process of a load run (origin, gateway, VLC), started through the gateway's own <see cref="ChildProcess"/> (a
/// CliWrap command), with its CPU time and memory read from <c>/proc</c> by its id (CliWrap has no such figures). Its
/// output and error go to a log file next to the run's other files, so a failed start can be diagnosed; its input
/// is closed at once; disposal kills it with its children.
/// </summary>
public sealed class MeasuredProcess : IAsyncDisposable
{
    private const long ClockTicks = 100; // sysconf(_SC_CLK_TCK) is 100 on Linux/x86-64 and arm64.
    private readonly ChildProcess _process;
    private readonly StreamWriter _log;

    private MeasuredProcess(ChildProcess process, StreamWriter log, string name, string logPath)
    {
        _process = process;
        _log = log;
        Name = name;
        Log = logPath;
    }

    public string Name { get; }
    public string Log { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public static MeasuredProcess Start(string name, string fileName, IEnumerable<string> arguments, string logDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var logPath = Path.Combine(logDirectory, $"{name}.log");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        void Write(string line)
        {
            lock (log) log.WriteLine(line);
        }
        try
        {
            // No input delegate: the input is closed at once (an open pipe would only be a reason not to exit).
            var process = ChildProcess.Start(fileName, arguments, Write,
                standardOutput: (stdout, _) => CopyOutputAsync(stdout, Write), environment: environment);
            return new MeasuredProcess(process, log, name, logPath);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    private static async Task CopyOutputAsync(Stream stdout, Action<string> write)
    {
        using var reader = new StreamReader(stdout);
        try
        {
            while (await reader.ReadLineAsync() is { } line) write(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
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

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        lock (_log) _log.Dispose();
    }

    /// <summary>A TCP port free on 127.0.0.1 right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>.</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout, MeasuredProcess owner)
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
