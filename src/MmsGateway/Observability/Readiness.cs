using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace MmsGateway.Observability;

/// <summary>
/// One condition the gateway must meet to take viewers, for <c>/readyz</c>. Register with
/// <see cref="ObservabilityExtensions.AddGatewayReadinessCheck{T}"/>; every registered check must be ready.
/// Keep it cheap and non-blocking: the orchestrator probes every few seconds.
/// </summary>
public interface IReadinessCheck
{
    /// <summary>Short name shown in the <c>/readyz</c> body when not ready.</summary>
    string Name { get; }

    /// <summary>Whether the condition holds; otherwise a one-line reason.</summary>
    bool IsReady([NotNullWhen(false)] out string? reason);
}

/// <summary>The health-check tags that select liveness and readiness checks.</summary>
public static class GatewayHealth
{
    /// <summary>Checks with this tag take part in <c>/readyz</c>; any <see cref="IHealthCheck"/> may carry it.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Checks with this tag take part in <c>/healthz</c>. None do by default: liveness means the process serves
    /// HTTP, and a failing dependency must not make the orchestrator restart a healthy process.
    /// </summary>
    public const string LiveTag = "live";
}

/// <summary>
/// Readiness (ready once configuration is loaded and the server listens, not ready while shutting down): unhealthy until the host has
/// started (options validated, Kestrel bound), unhealthy again once shutdown begins so the load balancer stops
/// sending new viewers before the listener closes, and unhealthy while any <see cref="IReadinessCheck"/> is not ready.
/// </summary>
internal sealed class GatewayReadinessCheck(IHostApplicationLifetime lifetime, IEnumerable<IReadinessCheck> checks) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            return Task.FromResult(HealthCheckResult.Unhealthy("shutting down"));
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
            return Task.FromResult(HealthCheckResult.Unhealthy("starting"));
        foreach (var check in checks)
        {
            if (!check.IsReady(out var reason))
                return Task.FromResult(HealthCheckResult.Unhealthy($"{check.Name}: {reason}"));
        }
        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
