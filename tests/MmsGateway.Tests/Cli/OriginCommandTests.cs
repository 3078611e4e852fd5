using System.Net;
using System.Net.Sockets;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Cli;

public class OriginCommandTests
{
    private static readonly string Gateway = Path.Combine(AppContext.BaseDirectory, "MmsGateway.dll");

    [Fact]
    public async Task A_taken_port_ends_the_origin_with_exit_code_1_and_one_line_naming_the_port_and_the_option()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var root = Directory.CreateTempSubdirectory("mmsgw-origin-cli-").FullName;

        var result = await ToolRunner.RunAsync("dotnet",
            [Gateway, "origin", "--root", root, "--mmst-port", "0", "--http-port", taken.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Trim().Split('\n'), l => l.StartsWith("origin:", StringComparison.Ordinal));
        Assert.Contains($"127.0.0.1:{taken}", line, StringComparison.Ordinal);
        Assert.Contains("--http-port", line, StringComparison.Ordinal);
    }
}
