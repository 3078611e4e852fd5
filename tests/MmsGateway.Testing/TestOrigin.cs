using System.Globalization;
using MmsGateway.Origin;

namespace MmsGateway.Testing;

/// <summary>
/// The project's origin in-process on loopback over a temporary root of generated media, the one origin fixture of
/// every test project: <c>single.wmv</c> (WMV2 + WMA2), <c>mbr.asf</c> (three WMV2 bitrates + WMA2) and
/// <c>audio.wma</c>, all <c>seconds</c> long; by default live loops <c>live</c> (single) and <c>mbrlive</c>
/// (multi-bitrate), MMST, MMSH and RTSP on free ports and no MMSU. It can be stopped and started again on the same ports
/// (an origin that goes away and comes back), and removes its root on dispose.
/// </summary>
public sealed class TestOrigin : IAsyncDisposable
{
    private readonly OriginOptions _options;

    private TestOrigin(OriginServer server, OriginOptions options, string root)
    {
        Server = server;
        // The ports the system chose (port 0) are pinned now: a stopped server no longer knows them.
        _options = options with
        {
            MmstPort = server.MmstPort >= 0 ? server.MmstPort : options.MmstPort,
            HttpPort = server.HttpPort >= 0 ? server.HttpPort : options.HttpPort,
            UdpPort = server.UdpPort >= 0 ? server.UdpPort : options.UdpPort,
            RtspPort = server.RtspPort >= 0 ? server.RtspPort : options.RtspPort,
        };
        Root = root;
    }

    public OriginServer Server { get; private set; }

    /// <summary>The temporary folder the origin serves on demand.</summary>
    public string Root { get; }

    public int MmstPort => Server.MmstPort;

    public int HttpPort => Server.HttpPort;

    public int UdpPort => Server.UdpPort;

    public int RtspPort => Server.RtspPort;

    /// <summary>The default options over <paramref name="root"/>: what <see cref="StartAsync"/> uses when not configured.</summary>
    public static OriginOptions DefaultOptions(string root) => new()
    {
        Root = root,
        MmstPort = 0,
        HttpPort = 0,
        UdpPort = -1,
        RtspPort = 0,
        Live = new Dictionary<string, string>
        {
            ["live"] = System.IO.Path.Combine(root, "single.wmv"),
            ["mbrlive"] = System.IO.Path.Combine(root, "mbr.asf"),
        },
    };

    /// <summary>
    /// Generates (or reuses) the media, copies it into a new root and starts the origin with
    /// <paramref name="configure"/>'s options (given the root), or <see cref="DefaultOptions"/>.
    /// </summary>
    public static async Task<TestOrigin> StartAsync(int seconds = 10, Func<string, OriginOptions>? configure = null)
    {
        string root = Directory.CreateTempSubdirectory("mmsgw-origin-").FullName;
        try
        {
            File.Copy(await GeneratedMedia.SingleBitrateAsync(seconds), System.IO.Path.Combine(root, "single.wmv"));
            File.Copy(await GeneratedMedia.MultiBitrateAsync(seconds), System.IO.Path.Combine(root, "mbr.asf"));
            File.Copy(await GeneratedMedia.AudioOnlyAsync(seconds), System.IO.Path.Combine(root, "audio.wma"));
            var options = configure?.Invoke(root) ?? DefaultOptions(root);
            return new TestOrigin(await OriginServer.StartAsync(options), options, root);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>A file of the root.</summary>
    public string Path(string name) => System.IO.Path.Combine(Root, name);

    /// <summary>
    /// A URL of <paramref name="path"/> over <paramref name="scheme"/>: <c>mmsh</c> and <c>http</c> on the HTTP port,
    /// <c>rtsp</c>, <c>rtspt</c>, <c>rtspu</c> on the RTSP port, the MMS schemes (<c>mms</c>, <c>mmst</c>, <c>mmsu</c>)
    /// on the MMST port.
    /// </summary>
    public Uri Url(string scheme, string path) => new(string.Create(CultureInfo.InvariantCulture, $"{scheme}://127.0.0.1:{scheme switch
    {
        "mmsh" or "http" => HttpPort,
        "rtsp" or "rtspt" or "rtspu" => RtspPort,
        _ => MmstPort,
    }}/{path}"));

    /// <summary>Stops the origin: its ports refuse connections until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync() => await Server.DisposeAsync();

    /// <summary>Starts the origin again with the same options on the ports it had (they were chosen at first start).</summary>
    public async Task RestartAsync() => Server = await OriginServer.StartAsync(_options);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
