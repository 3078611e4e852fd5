using System.Globalization;
using MmsGateway.Testing;

namespace MmsGateway.Origin.Tests;

/// <summary>
/// The origin tests' class fixture: a <see cref="TestOrigin"/> (generated <c>single.wmv</c>, <c>mbr.asf</c>,
/// <c>audio.wma</c>, live loops <c>live</c> and <c>mbrlive</c>) with MMSU on, changed by <see cref="Configure"/>.
/// </summary>
public sealed class OriginHarness : IAsyncLifetime
{
    private TestOrigin _origin = null!;

    public OriginServer Server => _origin.Server;

    public string Root => _origin.Root;

    public Func<OriginOptions, OriginOptions> Configure { get; init; } = o => o;

    public async Task InitializeAsync() =>
        _origin = await TestOrigin.StartAsync(10, root => Configure(TestOrigin.DefaultOptions(root) with { UdpPort = 0 }));

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    public string Mmst(string path) => _origin.Url("mmst", path).OriginalString;
    public string Mmsh(string path) => _origin.Url("mmsh", path).OriginalString;

    public string Rtsp(string path) => _origin.Url("rtsp", path).OriginalString;

    /// <summary>libmms (MediaInfo) tries MMSH then MMST on the port of an mms:// URL (docs/protocol/interop.md#s12).</summary>
    public string Mms(int port, string path) => string.Create(CultureInfo.InvariantCulture, $"mms://127.0.0.1:{port}/{path}");
}
