using MmsGateway.Testing;

namespace MmsGateway.Tests.Cli;

public class ServeCommandTests
{
    private static readonly string Gateway = Path.Combine(AppContext.BaseDirectory, "MmsGateway.dll");

    [Theory]
    [InlineData("--Gateway:Streams:bad:Source=ftp://host/x", "Gateway:Streams:bad:Source")]
    [InlineData("--Gateway:Streams:bad:Protocols:0=rtmp", "Gateway:Streams:bad:Protocols")]
    [InlineData("--Gateway:ReconnectInitialDelay=-00:00:01", "Gateway:ReconnectInitialDelay")]
    public async Task A_bad_configuration_value_stops_start_up_with_one_line_naming_the_key(string setting, string key)
    {
        var result = await ToolRunner.RunAsync("dotnet", [Gateway, "serve", "--urls", "http://127.0.0.1:0", setting], TimeSpan.FromSeconds(60));
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.Contains(key, line, StringComparison.Ordinal);
    }
}
