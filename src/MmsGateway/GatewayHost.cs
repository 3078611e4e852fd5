using MmsGateway.Outputs;
using MmsGateway.Proxy;
using MmsGateway.Streams;

namespace MmsGateway;

/// <summary>Builds the ASP.NET Core application: the gateway's HTTP surface (design.md, "HTTP").</summary>
public static class GatewayHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var demo = DemoOrigin.StartIfNeeded(builder);

        builder.Services.AddGatewayObservability(builder.Configuration);
        builder.Services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<UpstreamConnector>();
        builder.Services.AddSingleton<StreamRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamRegistry>());
        builder.Services.AddSingleton<ClusterDestinationResolver>();
        // YARP: plain HTTP routes (legacy pages, ASX files, an origin's MMSH port) and the clusters streams can name.
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

        var app = builder.Build();
        if (demo is not null) app.Lifetime.ApplicationStopped.Register(() => demo.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5)));
        app.MapGatewayObservability();
        app.MapStatusEndpoints();
        app.MapStreamEndpoints();
        app.MapReverseProxy();
        return app;
    }
}
