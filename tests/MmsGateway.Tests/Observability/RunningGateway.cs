using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace MmsGateway.Tests.Observability;

/// <summary>
/// The real gateway application (<see cref="GatewayHost.Build"/>) on a real loopback port chosen by the system (not
/// TestServer: Prometheus and curl-like clients must reach it over TCP).
/// </summary>
internal sealed class RunningGateway : IAsyncDisposable
{
    private RunningGateway(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    /// <summary>The bound address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    public HttpClient Client { get; }

    public static async Task<RunningGateway> StartAsync(params string[] extraArgs)
    {
        var app = GatewayHost.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. extraArgs]);
        await app.StartAsync();
        return new RunningGateway(app, BoundAddress(app));
    }

    /// <summary>Where Kestrel listens, read from the server (port 0 was asked for).</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new Uri(addresses.Single(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)) + "/");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(cts.Token);
        await App.DisposeAsync();
    }
}
