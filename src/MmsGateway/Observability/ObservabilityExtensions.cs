using System.Text;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace MmsGateway.Observability;

/// <summary>Wires metrics, health and logging into the host: <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>.</summary>
public static class ObservabilityExtensions
{
    /// <summary>
    /// Registers <see cref="GatewayMetrics"/>, the <see cref="PrometheusMeterBridge"/> (with the application's own
    /// prometheus-net registry), the readiness check and the
    /// console log format switch (<see cref="GatewayLogging"/>).
    /// </summary>
    public static IServiceCollection AddGatewayObservability(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddMetrics();
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<PrometheusMeterBridge>();
        services.AddHealthChecks().AddCheck<GatewayReadinessCheck>("gateway", tags: [GatewayHealth.ReadyTag]);
        services.AddHostedService<ShutdownReadinessLogger>();
        GatewayLogging.Configure(services, configuration);
        return services;
    }

    /// <summary>Adds a condition to <c>/readyz</c> (the stream layer's hook: e.g. "configured streams registered").</summary>
    public static IServiceCollection AddGatewayReadinessCheck<T>(this IServiceCollection services)
        where T : class, IReadinessCheck
    {
        services.AddSingleton<IReadinessCheck, T>();
        return services;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text 0.0.4), <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness).</summary>
    public static TBuilder MapGatewayObservability<TBuilder>(this TBuilder endpoints)
        where TBuilder : IEndpointRouteBuilder
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Resolve the bridge now, before the host starts, so its listener sees every measurement from the start
        // (hosted services of the stream layer may record before the first scrape).
        var bridge = endpoints.ServiceProvider.GetRequiredService<PrometheusMeterBridge>();
        // Create the gateway's instruments too, so mmsgw_build_info is there from the first scrape.
        _ = endpoints.ServiceProvider.GetRequiredService<GatewayMetrics>();

        // prometheus-net's exporter middleware, on GET only as before. OpenMetrics stays off: the contract is the
        // text format 0.0.4 (its Content-Type included) whatever a scraper's Accept header prefers.
        var scrape = endpoints.CreateApplicationBuilder()
            .Use((context, next) =>
            {
                context.Response.Headers.CacheControl = "no-store";
                return next(context);
            })
            .UseMiddleware<MetricServerMiddleware>(new MetricServerMiddleware.Settings { Registry = bridge.Registry, EnableOpenMetrics = false })
            .Build();
        endpoints.MapGet("/metrics", scrape).ExcludeFromDescription();

        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(GatewayHealth.LiveTag),
            ResponseWriter = WriteHealthAsync,
        });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(GatewayHealth.ReadyTag),
            ResponseWriter = WriteHealthAsync,
        });
        return endpoints;
    }

    /// <summary>"Healthy", or "Unhealthy" and one line per failing check, so a failed probe says why.</summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var body = new StringBuilder(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Status != HealthStatus.Healthy)
                body.Append(name).Append(": ").Append(entry.Description ?? entry.Status.ToString()).Append('\n');
        }
        return context.Response.WriteAsync(body.ToString(), Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>Logs the moment readiness turns off at shutdown, to line up with the orchestrator's events.</summary>
    private sealed class ShutdownReadinessLogger(IHostApplicationLifetime lifetime, ILogger<GatewayReadinessCheck> logger) : IHostedService
    {
        private CancellationTokenRegistration _registration;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _registration = lifetime.ApplicationStopping.Register(() => ObservabilityLog.ShuttingDown(logger));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _registration.Dispose();
            return Task.CompletedTask;
        }
    }
}
