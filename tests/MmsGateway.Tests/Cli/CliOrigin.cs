using System.Globalization;
using MmsGateway.Asf.Files;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Cli;

/// <summary>
/// The CLI tests' origin: a <see cref="TestOrigin"/> with MMSU on (a 2-s UDP burst) and the multi-bitrate live loop
/// <c>mbrlive</c>, URLs as command-line strings, and the helpers that run the gateway's commands.
/// </summary>
internal sealed class CliOrigin : IAsyncDisposable
{
    private readonly TestOrigin _origin;

    private CliOrigin(TestOrigin origin) => _origin = origin;

    public OriginServer Server => _origin.Server;

    public string Root => _origin.Root;

    public static readonly string Gateway = Path.Combine(AppContext.BaseDirectory, "MmsGateway.dll");

    public static async Task<CliOrigin> StartAsync(int seconds, Func<string, OriginOptions>? configure = null) =>
        new(await TestOrigin.StartAsync(seconds, configure ?? (root => TestOrigin.DefaultOptions(root) with
        {
            UdpPort = 0,
            UdpBurst = TimeSpan.FromSeconds(2),
            Live = new Dictionary<string, string> { ["mbrlive"] = Path.Combine(root, "mbr.asf") },
        })));

    public string Url(string scheme, string path) => _origin.Url(scheme, path).OriginalString;

    public static Task<ToolResult> RunAsync(params string[] args) =>
        ToolRunner.RunAsync("dotnet", [Gateway, .. args], TimeSpan.FromMinutes(1));

    public static async Task<double> DurationAsync(string path)
    {
        ToolResult result = await ToolRunner.FfprobeAsync("-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        return double.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    public static long Packets(string path)
    {
        using AsfFile file = AsfFile.Open(path);
        return file.PacketCount;
    }

    public ValueTask DisposeAsync() => _origin.DisposeAsync();
}
