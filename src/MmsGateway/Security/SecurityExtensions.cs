using MmsGateway.Streams;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace MmsGateway.Security;

/// <summary>Wires <c>Gateway:Security</c> into the host: options, Kestrel limits, the limiter and the middleware.</summary>
public static class SecurityExtensions
{
    public static WebApplicationBuilder AddGatewaySecurity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(SecurityOptions.Section);
        builder.Services.AddOptions<SecurityOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>();
        builder.Services.AddSingleton(sp => new ViewerUrlSigner(sp.GetRequiredService<IOptions<SecurityOptions>>(), sp.GetRequiredService<TimeProvider>()));
        // The upstream side of these options, handed to the connector as its own types (Streams reads no Security type).
        builder.Services.AddSingleton(sp => new UpstreamSessionLimit(sp.GetRequiredService<IOptions<SecurityOptions>>().Value.MaxUpstreamSessions));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<SecurityOptions>>().Value.UpstreamRules());
        builder.Services.AddSingleton<GatewayRequestLimiter>();

        // Kestrel's own limits answer before any middleware: 431 (headers), 414 (request line), 413 (body). Values
        // the validator rejects are left at Kestrel's defaults here; start-up then stops with the validator's message.
        var configured = section.Get<SecurityOptions>() ?? new SecurityOptions();
        var valid = new SecurityOptionsValidator().Validate(null, configured).Succeeded;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (!valid) return;
            kestrel.Limits.MaxConcurrentConnections = configured.MaxConcurrentConnections;
            kestrel.Limits.MaxRequestHeadersTotalSize = configured.MaxRequestHeadersTotalSize;
            kestrel.Limits.MaxRequestLineSize = configured.MaxRequestLineSize;
            kestrel.Limits.MaxRequestBodySize = configured.MaxRequestBodySize;
        });
        return builder;
    }

    /// <summary>Credentials first, then the limits, then clear answers for upstream failures.</summary>
    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var proxies = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.TrustedProxies;
        if (proxies.Count > 0)
        {
            // Behind an ingress every viewer would otherwise share the proxy's address (and its per-client limit).
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
                if (SecurityOptions.TryParseNetwork(proxy, out var network)) forwarded.KnownIPNetworks.Add(network);
            app.UseForwardedHeaders(forwarded);
        }
        app.UseMiddleware<SecurityMiddleware>();
        app.UseMiddleware<RequestLimitMiddleware>();
        app.UseMiddleware<UpstreamErrorMiddleware>();
        return app;
    }
}
