using System.Text.RegularExpressions;
using MmsGateway.Hls;
using MmsGateway.Origin;
using MmsGateway.Testing;
using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Hls;

/// <summary>
/// A gateway for the HLS tests: the <see cref="GatewayHarness"/> streams (<c>live</c>: WMV2 + WMA2, <c>mbrlive</c>:
/// three WMV2 streams + WMA2, <c>file</c>: on demand) plus, from a second origin, <c>audiolive</c> (WMA2 only) and
/// <c>h264live</c> (H.264 + AAC in ASF, which HLS copies instead of encoding). HLS renditions stop after a short
/// idle period so tests do not leave ffmpeg running.
/// </summary>
public sealed class HlsGateway : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> H264Media = new(async () =>
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-h264-").FullName, "h264.asf");
        var result = await ToolRunner.FfmpegAsync("-y", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=10",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=10", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "25",
            "-bf", "0", "-c:a", "aac", "-b:a", "96k", path);
        if (result.ExitCode != 0) throw new InvalidOperationException($"ffmpeg could not make {path}: {result}");
        return path;
    });

    private TestOrigin? _extraOrigin;

    public GatewayHarness Harness { get; private set; } = null!;
    public HttpClient Http => Harness.Http;
    public Uri BaseAddress => Harness.BaseAddress;
    public HlsService Hls => Harness.Gateway.Services.GetRequiredService<HlsService>();

    public static async Task<HlsGateway> StartAsync(params string[] extraConfiguration)
    {
        var gateway = new HlsGateway();
        var h264 = await H264Media.Value;
        gateway._extraOrigin = await TestOrigin.StartAsync(10, root => TestOrigin.DefaultOptions(root) with
        {
            HttpPort = -1,
            Live = new Dictionary<string, string> { ["audiolive"] = Path.Combine(root, "audio.wma"), ["h264live"] = h264 },
        });
        var port = gateway._extraOrigin.MmstPort;
        gateway.Harness = await GatewayHarness.StartAsync(_ =>
        [
            $"--Gateway:Streams:audiolive:Source=mmst://127.0.0.1:{port}/audiolive",
            $"--Gateway:Streams:h264live:Source=mmst://127.0.0.1:{port}/h264live",
            "--Gateway:Hls:IdleTimeout=00:00:06",
            .. extraConfiguration,
        ]);
        return gateway;
    }

    /// <summary>A media playlist once it lists at least <paramref name="segments"/> complete segments.</summary>
    public async Task<string> MediaPlaylistAsync(string path, int segments, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var text = await Http.GetStringAsync(path);
            if (Segments(text).Count >= segments) return text;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{path} did not reach {segments} segments:\n{text}");
            await Task.Delay(300);
        }
    }

    /// <summary>The segment URIs of a media playlist (lines after <c>#EXTINF</c>).</summary>
    public static List<string> Segments(string playlist)
    {
        var lines = playlist.Split('\n');
        var uris = new List<string>();
        for (var i = 0; i + 1 < lines.Length; i++)
            if (lines[i].StartsWith("#EXTINF:", StringComparison.Ordinal)) uris.Add(lines[i + 1].Trim());
        return uris;
    }

    /// <summary>The init segment URI of the last <c>EXT-X-MAP</c> before <paramref name="segment"/>.</summary>
    public static string InitFor(string playlist, string segment)
    {
        string? init = null;
        foreach (var line in playlist.Split('\n'))
        {
            var m = Regex.Match(line, "^#EXT-X-MAP:URI=\"([^\"]+)\"");
            if (m.Success) init = m.Groups[1].Value;
            if (line.Trim() == segment) break;
        }
        return init ?? throw new InvalidOperationException($"no EXT-X-MAP before {segment}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Harness is not null) await Harness.DisposeAsync();
        if (_extraOrigin is not null) await _extraOrigin.DisposeAsync();
    }
}

/// <summary>One gateway shared by the HLS and browser tests, which run one after another (they share two cores).</summary>
public sealed class HlsGatewayFixture : IAsyncLifetime
{
    public HlsGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await HlsGateway.StartAsync();

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class HlsCollection : ICollectionFixture<HlsGatewayFixture>
{
    public const string Name = "hls";
}
