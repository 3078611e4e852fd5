using System.Globalization;
using MmsGateway.Asf.Files;
using MmsGateway.Origin;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Cli;

/// <summary>The origin in-process over a temporary root with generated <c>single.wmv</c> and <c>mbr.asf</c>, for CLI tests.</summary>
internal sealed class CliOrigin : IAsyncDisposable
{
    private CliOrigin(OriginServer server, string root)
    {
        Server = server;
        Root = root;
    }

    public OriginServer Server { get; }

    public string Root { get; }

    public static readonly string Gateway = Path.Combine(AppContext.BaseDirectory, "MmsGateway.dll");

    public static async Task<CliOrigin> StartAsync(int seconds, Func<string, OriginOptions>? configure = null)
    {
        string root = Directory.CreateTempSubdirectory("mmsgw-cli-origin-").FullName;
        File.Copy(await GeneratedMedia.SingleBitrateAsync(seconds), Path.Combine(root, "single.wmv"));
        File.Copy(await GeneratedMedia.MultiBitrateAsync(seconds), Path.Combine(root, "mbr.asf"));
        OriginOptions options = configure?.Invoke(root) ?? new OriginOptions
        {
            Root = root,
            MmstPort = 0,
            HttpPort = 0,
            UdpPort = 0,
            UdpBurst = TimeSpan.FromSeconds(2),
            Live = new Dictionary<string, string> { ["mbrlive"] = Path.Combine(root, "mbr.asf") },
        };
        return new CliOrigin(await OriginServer.StartAsync(options), root);
    }

    public string Url(string scheme, string path) => scheme switch
    {
        "mmsh" or "http" => $"{scheme}://127.0.0.1:{Server.HttpPort}/{path}",
        _ => $"{scheme}://127.0.0.1:{Server.MmstPort}/{path}",
    };

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
