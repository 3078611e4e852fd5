using System.Globalization;
using MmsGateway.Testing;

namespace MmsGateway.Origin.Tests;

/// <summary>
/// An origin on ephemeral loopback ports over a temporary folder holding generated media: <c>single.wmv</c>
/// (WMV2 + WMA2), <c>mbr.asf</c> (3 × WMV2 + WMA2), <c>audio.wma</c>, and the live loops <c>live</c> (single) and
/// <c>mbrlive</c> (multi-bitrate).
/// </summary>
public sealed class OriginHarness : IAsyncLifetime
{
    public OriginServer Server { get; private set; } = null!;
    public string Root { get; } = Directory.CreateTempSubdirectory("mmsgw-origin-").FullName;

    public Func<OriginOptions, OriginOptions> Configure { get; init; } = o => o;

    public async Task InitializeAsync()
    {
        File.Copy(await GeneratedMedia.SingleBitrateAsync(), Path.Combine(Root, "single.wmv"));
        File.Copy(await GeneratedMedia.MultiBitrateAsync(), Path.Combine(Root, "mbr.asf"));
        File.Copy(await GeneratedMedia.AudioOnlyAsync(), Path.Combine(Root, "audio.wma"));
        var options = Configure(new OriginOptions
        {
            Root = Root,
            MmstPort = 0,
            HttpPort = 0,
            UdpPort = 0,
            RtspPort = 0,
            Live = new Dictionary<string, string>
            {
                ["live"] = Path.Combine(Root, "single.wmv"),
                ["mbrlive"] = Path.Combine(Root, "mbr.asf"),
            },
        });
        Server = await OriginServer.StartAsync(options);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public string Mmst(string path) => string.Create(CultureInfo.InvariantCulture, $"mmst://127.0.0.1:{Server.MmstPort}/{path}");
    public string Mmsh(string path) => string.Create(CultureInfo.InvariantCulture, $"mmsh://127.0.0.1:{Server.HttpPort}/{path}");

    public string Rtsp(string path) => string.Create(CultureInfo.InvariantCulture, $"rtsp://127.0.0.1:{Server.RtspPort}/{path}");

    /// <summary>libmms (MediaInfo) tries MMSH then MMST on the port of an mms:// URL (docs/protocol/interop.md#s12).</summary>
    public string Mms(int port, string path) => string.Create(CultureInfo.InvariantCulture, $"mms://127.0.0.1:{port}/{path}");
}
