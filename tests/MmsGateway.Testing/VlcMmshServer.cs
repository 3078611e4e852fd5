using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MmsGateway.Testing;

/// <summary>
/// VLC's own MMSH server (<c>--sout '#std{access=mmsh,mux=asfh,...}'</c>): a real MMS peer this project did not
/// write. VLC refuses to run as root, so it runs as <c>nobody</c> through <c>runuser</c>, with a HOME and a copy of the
/// input in a world-readable temporary folder. Disposing kills the whole process tree.
/// </summary>
public sealed class VlcMmshServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly StringBuilder _log = new();

    private VlcMmshServer(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>mmsh://127.0.0.1:port/</c> (VLC serves the stream on every path).</summary>
    public Uri Url => new($"mmsh://127.0.0.1:{Port}/");

    /// <summary>What VLC printed (bounded), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    public static bool IsAvailable => File.Exists("/usr/bin/cvlc") && File.Exists("/usr/sbin/runuser");

    /// <summary>Starts VLC looping <paramref name="inputFile"/> and waits until its port accepts connections.</summary>
    public static async Task<VlcMmshServer> StartAsync(string inputFile, TimeSpan? startTimeout = null)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("VLC runs through runuser (Linux).");
        DirectoryInfo directory = Directory.CreateTempSubdirectory("mmsgw-vlc-");
        const UnixFileMode everyone = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(directory.FullName, everyone);
        string input = Path.Combine(directory.FullName, "input" + Path.GetExtension(inputFile));
        File.Copy(inputFile, input);
        File.SetUnixFileMode(input, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
            | UnixFileMode.OtherRead);

        int port = FreePort();
        var psi = new ProcessStartInfo("runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["-u", "nobody", "--", "env", "HOME=" + directory.FullName, "cvlc",
                     "-I", "dummy", "--no-media-library", input,
                     "--sout", $"#std{{access=mmsh,mux=asfh,dst=127.0.0.1:{port}}}", "--loop"])
        {
            psi.ArgumentList.Add(argument);
        }

        Process process = Process.Start(psi) ?? throw new InvalidOperationException("could not start runuser/cvlc");
        var server = new VlcMmshServer(process, directory, port);
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilAcceptingAsync(startTimeout ?? TimeSpan.FromSeconds(15));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or stuck: nothing more to do from here.
        }

        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// VLC accepts connections before its muxer has the ASF header and answers such early requests with an empty
    /// body, so "ready" means: a Describe gets a <c>$H</c>.
    /// </summary>
    private async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"VLC exited with {_process.ExitCode} before listening:\n{Log}");
            }

            if (await DescribeGivesHeaderAsync()) return;
            await Task.Delay(100);
        }

        throw new TimeoutException($"VLC did not serve a header on port {Port} within {timeout}:\n{Log}");
    }

    private async Task<bool> DescribeGivesHeaderAsync()
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            NetworkStream stream = client.GetStream();
            byte[] request = Encoding.ASCII.GetBytes(
                $"GET / HTTP/1.0\r\nAccept: */*\r\nUser-Agent: NSPlayer/7.10.0.3059\r\nHost: 127.0.0.1:{Port}\r\n" +
                "Pragma: no-cache,rate=1.000000,stream-time=0,stream-offset=0:0,request-context=1,max-duration=0\r\n" +
                "Pragma: xClientGUID={c77e7400-738a-11d2-9add-0020af0a3278}\r\nConnection: Close\r\n\r\n");
            await stream.WriteAsync(request, timeout.Token);
            var received = new List<byte>();
            byte[] buffer = new byte[4096];
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0 && received.Count < 64 * 1024)
            {
                received.AddRange(buffer.AsSpan(0, n));
            }

            byte[] all = [.. received];
            int body = all.AsSpan().IndexOf("\r\n\r\n"u8);
            return body >= 0 && all.AsSpan(body + 4).StartsWith("$H"u8);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            if (_log.Length < 64 * 1024) _log.AppendLine(line);
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
