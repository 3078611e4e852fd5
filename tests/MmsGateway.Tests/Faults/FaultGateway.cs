using System.Diagnostics;
using System.Text.Json;
using MmsGateway.Origin;
using MmsGateway.Testing;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Faults;

/// <summary>
/// The fault tests' gateway: the <see cref="GatewayHarness"/> (its healthy origin feeds stream <c>live</c>) plus
/// one more stream, <c>victim</c>, whose source the test breaks: a second origin of our own with its fault options
/// (<see cref="VictimOrigin"/>), or any URL (a misbehaving server, a host that does not resolve). <c>victim</c> is
/// always on, so the gateway keeps trying it with nobody watching. A <see cref="BystanderViewer"/> on <c>live</c>
/// shows that the other stream is served throughout.
/// </summary>
public sealed class FaultGateway : IAsyncDisposable
{
    private TestOrigin? _victim;

    public GatewayHarness Harness { get; private set; } = null!;
    public HttpClient Http => Harness.Http;

    /// <summary>The origin behind <c>victim</c> when the test uses one (null for other sources).</summary>
    public OriginServer? VictimOrigin => _victim?.Server;

    /// <summary>A gateway whose <c>victim</c> stream plays <c>live</c> from a second origin of ours over <paramref name="scheme"/> (mmst or mmsh).</summary>
    public static async Task<FaultGateway> WithVictimOriginAsync(string scheme = "mmst", params string[] extraConfiguration)
    {
        var gateway = new FaultGateway();
        gateway._victim = await TestOrigin.StartAsync(10, root => TestOrigin.DefaultOptions(root) with
        {
            Live = new Dictionary<string, string> { ["live"] = Path.Combine(root, "single.wmv") },
        });
        var port = scheme == "mmsh" ? gateway._victim.HttpPort : gateway._victim.MmstPort;
        gateway.Harness = await GatewayHarness.StartAsync(_ => [.. VictimConfiguration($"{scheme}://127.0.0.1:{port}/live"), .. extraConfiguration]);
        return gateway;
    }

    /// <summary>A gateway whose <c>victim</c> stream reads <paramref name="source"/>.</summary>
    public static async Task<FaultGateway> WithVictimSourceAsync(string source, params string[] extraConfiguration)
    {
        var gateway = new FaultGateway();
        gateway.Harness = await GatewayHarness.StartAsync(_ => [.. VictimConfiguration(source), .. extraConfiguration]);
        return gateway;
    }

    /// <summary>
    /// The victim stream, and limits above the thousand connections some fault tests open from this one address (the
    /// per-client and per-stream limits would otherwise answer 429 and 503 first, which Security/LimitsTests covers).
    /// </summary>
    private static string[] VictimConfiguration(string source) =>
    [
        $"--Gateway:Streams:victim:Source={source}", "--Gateway:Streams:victim:AlwaysOn=true",
        "--Gateway:Security:MaxConcurrentRequestsPerClient=5000", "--Gateway:Security:MaxViewersPerStream=5000",
    ];

    /// <summary>Starts the victim origin again on the same ports (after <see cref="StopVictimOriginAsync"/>).</summary>
    public Task RestartVictimOriginAsync() => _victim!.RestartAsync();

    public Task StopVictimOriginAsync() => _victim!.StopAsync();

    /// <summary>One stream's entry of <c>GET /streams</c>.</summary>
    public async Task<StreamState> StatusAsync(string name)
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync("/streams"));
        foreach (var stream in document.RootElement.GetProperty("streams").EnumerateArray())
        {
            if (stream.GetProperty("name").GetString() != name) continue;
            return new StreamState(stream.GetProperty("state").GetString()!, stream.GetProperty("reconnects").GetInt64(),
                stream.TryGetProperty("lastError", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null);
        }
        throw new InvalidOperationException($"/streams does not list '{name}'");
    }

    /// <summary>Polls <c>GET /streams</c> until <paramref name="done"/> holds for stream <paramref name="name"/>.</summary>
    public async Task<StreamState> WaitForAsync(string name, Func<StreamState, bool> done, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        StreamState state;
        while (!done(state = await StatusAsync(name)))
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"stream '{name}' did not become {what} in {timeout.TotalSeconds} s; last: {state}");
            await Task.Delay(250);
        }
        return state;
    }

    /// <summary>Managed heap after a full collection, and the process working set (both bytes).</summary>
    public static (long Managed, long WorkingSet) Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64);
    }

    public async ValueTask DisposeAsync()
    {
        if (Harness is not null) await Harness.DisposeAsync();
        if (_victim is not null) await _victim.DisposeAsync();
    }
}

public sealed record StreamState(string State, long Reconnects, string? LastError);

/// <summary>
/// A viewer of another stream reading in the background: it records when bytes arrive, so a test can show that
/// stream kept flowing while the victim failed (the longest silence and the bytes of each window).
/// </summary>
public sealed class BystanderViewer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _bytes;
    private long _lastArrival;
    private long _longestSilenceTicks;

    private BystanderViewer(HttpClient http, string path) => _reading = Task.Run(() => ReadAsync(http, path));

    public static BystanderViewer Start(HttpClient http, string path = "/streams/live/live.asf") => new(http, path);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The longest time without a byte since the first one arrived (including now).</summary>
    public TimeSpan LongestSilence => TimeSpan.FromTicks(Math.Max(Interlocked.Read(ref _longestSilenceTicks),
        Interlocked.Read(ref _lastArrival) == 0 ? 0 : _clock.Elapsed.Ticks - Interlocked.Read(ref _lastArrival)));

    public string? Failure { get; private set; }

    private async Task ReadAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(_stop.Token);
            var buffer = new byte[65536];
            int n;
            while ((n = await body.ReadAsync(buffer, _stop.Token)) > 0)
            {
                var now = _clock.Elapsed.Ticks;
                var last = Interlocked.Exchange(ref _lastArrival, now);
                if (last != 0 && now - last > Interlocked.Read(ref _longestSilenceTicks)) Interlocked.Exchange(ref _longestSilenceTicks, now - last);
                Interlocked.Add(ref _bytes, n);
            }
            Failure = "the response ended";
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            Failure = e.Message;
        }
    }

    /// <summary>
    /// Asserts the stream flows: <paramref name="minimum"/> bytes within 20 s (the victim's fault goes on meanwhile),
    /// no failure, and never a silence over 3 s (the stream sends several packets a second).
    /// </summary>
    public async Task AssertFlowingAsync(long minimum)
    {
        var clock = Stopwatch.StartNew();
        while (Bytes < minimum && Failure is null && clock.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(100);
        Assert.Null(Failure);
        Assert.True(Bytes >= minimum, $"the bystander got only {Bytes} bytes");
        Assert.True(LongestSilence < TimeSpan.FromSeconds(3), $"the bystander went {LongestSilence.TotalSeconds:0.0} s without a byte");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }
}
