namespace MmsGateway;

/// <summary>Builds the ASP.NET Core application: the gateway's HTTP surface (design.md, "HTTP").</summary>
public static class GatewayHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddHealthChecks();
        var app = builder.Build();
        app.MapHealthChecks("/healthz");
        app.MapHealthChecks("/readyz");
        return app;
    }
}
