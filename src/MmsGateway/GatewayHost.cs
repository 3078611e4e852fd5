using MmsGateway.Hls;
using MmsGateway.Outputs;
using MmsGateway.Proxy;
using MmsGateway.Security;
using MmsGateway.Streams;

namespace MmsGateway;

/// <summary>Builds the ASP.NET Core application: the gateway's HTTP surface (docs/design.md#http).</summary>
public static class GatewayHost
{
    public static WebApplication Build(string[] args)
    {
        // Content root beside the binary, so appsettings.json and Demo/ are found whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var demo = DemoOrigin.StartIfNeeded(builder);
        LimitSocketSendBuffers(builder);

        builder.AddGatewaySecurity(); // Gateway:Security: upstream policy, signed URLs, API key, limits
        builder.Services.AddGatewayObservability(builder.Configuration);
        builder.Services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<UpstreamConnector>();
        // Hub rings hold each packet behind its MS-WMSP $D prefix, written once, so that taken-over viewers send
        // straight from the ring (MS-WMSP 2.2.3.1.2; plain ASF viewers skip the prefix).
        builder.Services.AddSingleton(new RingSlotPrefix(ViewerFraming.RingPrefixSize, ViewerFraming.WriteRingPrefix));
        builder.Services.AddSingleton<StreamRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamRegistry>());
        builder.Services.AddSingleton<ClusterDestinationResolver>();
        builder.Services.AddHls(builder.Configuration); // HLS: ffmpeg per rendition, in-memory segmenter
        // YARP: plain HTTP routes (legacy pages, ASX files, an origin's MMSH port) and the clusters streams can name.
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

        var app = builder.Build();
        if (demo is not null) app.Lifetime.ApplicationStopped.Register(() => demo.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5)));
        app.UseGatewaySecurity();
        app.MapGatewayObservability();
        app.MapStatusEndpoints();
        app.MapStreamEndpoints();
        app.MapPlayEndpoint();
        app.MapHlsEndpoints();
        app.MapAdminEndpoints();
        app.MapReverseProxy();
        return app;
    }

    /// <summary>
    /// Gives every accepted connection a fixed kernel send buffer (accepted sockets inherit it from the listening
    /// socket on Linux). Left to autotuning, the kernel holds megabytes for a viewer that stopped reading, hiding
    /// it from the hub's slow-viewer handling and costing memory per viewer.
    /// </summary>
    private static void LimitSocketSendBuffers(WebApplicationBuilder builder)
    {
        var bytes = builder.Configuration.GetValue("Gateway:SocketSendBufferBytes", 256 * 1024);
        if (bytes <= 0) return;
        builder.WebHost.UseSockets(options => options.CreateBoundListenSocket = endpoint =>
        {
            var socket = Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            socket.SendBufferSize = bytes;
            return socket;
        });
    }
}
