using MmsGateway.Asf.Files;

namespace MmsGateway.Benchmarks.Load;

/// <summary>
/// Starts the processes of a load run on loopback: our origin looping a file as a live channel, the gateway
/// (<c>serve</c>) reading it, and VLC's MMSH server reading the same origin URL, each its own process so that its
/// CPU time and memory are its own.
/// </summary>
public sealed class LoadRig(string file, string workDirectory)
{
    public string File { get; } = Path.GetFullPath(file);
    public string WorkDirectory { get; } = workDirectory;
    public string ChannelName => "live";

    /// <summary>
    /// The gateway to measure: <c>MMSGW_DLL</c> if set; else the shipped build, <c>artifacts/gateway/MmsGateway.dll</c>
    /// under the repository (made by <c>benchmarks/publish-gateway.sh</c> with the Dockerfile's publish command:
    /// ReadyToRun, tiered compilation off); else the JIT build, <c>src/MmsGateway/bin/Release/net10.0/MmsGateway.dll</c>.
    /// </summary>
    public static string GatewayDll()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MMSGW_DLL");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[]
            {
                Path.Combine(dir.FullName, "artifacts", "gateway", "MmsGateway.dll"),
                Path.Combine(dir.FullName, "src", "MmsGateway", "bin", "Release", "net10.0", "MmsGateway.dll"),
            })
            {
                if (System.IO.File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException("MmsGateway.dll not found: run benchmarks/publish-gateway.sh (or `dotnet build -c Release src/MmsGateway`), or set MMSGW_DLL");
    }

    /// <summary>One line naming the gateway build a run measures, so that its figures say what they are of.</summary>
    public static string DescribeGateway()
    {
        var dll = GatewayDll();
        return $"gateway: {dll} ({(IsReadyToRun(dll) ? "ReadyToRun" : "JIT")}, tiered compilation {(TieredCompilation(dll) ? "on" : "off")})";
    }

    /// <summary>What the build's runtimeconfig says of tiered compilation (on unless it says false).</summary>
    private static bool TieredCompilation(string dll)
    {
        var config = Path.ChangeExtension(dll, ".runtimeconfig.json");
        if (!System.IO.File.Exists(config)) return true;
        using var json = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(config));
        return !(json.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
            && properties.TryGetProperty("System.Runtime.TieredCompilation", out var tiered)
            && tiered.ValueKind == System.Text.Json.JsonValueKind.False);
    }

    private static bool IsReadyToRun(string path)
    {
        using var pe = new System.Reflection.PortableExecutable.PEReader(System.IO.File.OpenRead(path));
        return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    /// <summary>The stream's rate in bytes per second: data packets over the file's send duration.</summary>
    public double StreamBytesPerSecond()
    {
        using var asf = AsfFile.Open(File);
        var fp = asf.Header.FileProperties;
        var seconds = fp.SendDuration > 0 ? fp.SendDuration / 1e7 : fp.PlayDuration / 1e7 - fp.PrerollMs / 1000.0;
        return asf.PacketCount * (double)asf.PacketSize / seconds;
    }

    /// <summary>
    /// The origin, live channel <see cref="ChannelName"/> on MMST <paramref name="mmstPort"/>, MMSH
    /// <paramref name="httpPort"/> and (unless -1) MS-RTSP <paramref name="rtspPort"/>.
    /// </summary>
    public async Task<MeasuredProcess> StartOriginAsync(int mmstPort, int httpPort, int rtspPort = -1)
    {
        var origin = MeasuredProcess.Start("origin", "dotnet",
        [
            GatewayDll(), "origin", "--root", Path.GetDirectoryName(File)!, "--address", "127.0.0.1",
            "--mmst-port", mmstPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--udp-port", "-1", "--rtsp-port", rtspPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--live", $"{ChannelName}={File}",
        ], WorkDirectory);
        await MeasuredProcess.WaitForPortAsync(httpPort, TimeSpan.FromSeconds(30), origin);
        return origin;
    }

    /// <summary>The gateway reading the origin's MMSH URL, always on, serving on <paramref name="port"/>.</summary>
    public Task<MeasuredProcess> StartGatewayAsync(int port, int originHttpPort, params string[] extra) =>
        StartGatewayAsync(port, originHttpPort, null, extra);

    /// <summary>
    /// The runtime settings of the <c>gateway-tuned</c> fan-out row: thread-pool workers that block at once instead of
    /// spinning (sched_yield) when the queue runs dry, which is most of the time for a fan-out of paced packets.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> TunedEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
    };

    public async Task<MeasuredProcess> StartGatewayAsync(int port, int originHttpPort, IReadOnlyDictionary<string, string>? environment, params string[] extra)
    {
        var gateway = MeasuredProcess.Start("gateway", "dotnet",
        [
            GatewayDll(), "serve", "--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning",
            "--Gateway:Demo=false", $"--Gateway:Streams:{ChannelName}:Source=mmsh://127.0.0.1:{originHttpPort}/{ChannelName}",
            $"--Gateway:Streams:{ChannelName}:AlwaysOn=true",
            // Every load viewer comes from 127.0.0.1: lift the per-address and per-stream limits (Gateway:Security),
            // which would otherwise answer the 257th request with 429 and the 1001st viewer with 503.
            "--Gateway:Security:MaxConcurrentRequestsPerClient=100000", "--Gateway:Security:MaxViewersPerStream=100000",
            .. extra,
        ], WorkDirectory, environment);
        await MeasuredProcess.WaitForPortAsync(port, TimeSpan.FromSeconds(30), gateway);
        return gateway;
    }

    /// <summary>
    /// VLC as a user would run it to re-serve the stream: <c>cvlc mmsh://origin --sout '#std{access=mmsh,mux=asfh,dst=...}'</c>.
    /// VLC refuses to run as root, so it runs as <c>nobody</c> via <c>setpriv</c>, which execs: the process we
    /// measure is VLC itself.
    /// </summary>
    public async Task<MeasuredProcess> StartVlcAsync(int port, int originHttpPort)
    {
        var home = Directory.CreateTempSubdirectory("mmsgw-vlc-");
        if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(home.FullName, (UnixFileMode)0x1FF);
        string[] vlc = ["/usr/bin/vlc", "-I", "dummy", "-q", "--no-video-title-show", $"mmsh://127.0.0.1:{originHttpPort}/{ChannelName}",
            "--sout", $"#std{{access=mmsh,mux=asfh,dst=127.0.0.1:{port}}}"];
        var process = Environment.UserName == "root"
            ? MeasuredProcess.Start("vlc", "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "env", $"HOME={home.FullName}", .. vlc], WorkDirectory)
            : MeasuredProcess.Start("vlc", vlc[0], vlc[1..], WorkDirectory);
        await MeasuredProcess.WaitForPortAsync(port, TimeSpan.FromSeconds(30), process);
        return process;
    }
}
