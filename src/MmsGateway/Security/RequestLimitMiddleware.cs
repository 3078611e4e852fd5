using Microsoft.AspNetCore.Http;

namespace MmsGateway.Security;

/// <summary>
/// Holds the <see cref="GatewayRequestLimiter"/>'s permits for the whole of each request (a viewer holds them while it
/// watches) and answers a refusal with the limiter's status and reason. ASP.NET Core's rate-limiting middleware does the
/// same with a global limiter, but it also builds a partitioned limiter for endpoint policies whose heartbeat timer fires
/// every 100 ms for the life of the process, policies or not: ten wake-ups a second of an otherwise idle gateway
/// (benchmarks/README.md, "Idle cost").
/// </summary>
public sealed class RequestLimitMiddleware(RequestDelegate next, GatewayRequestLimiter limiter)
{
    public async Task InvokeAsync(HttpContext http)
    {
        using var lease = await limiter.AcquireAsync(http, 1, http.RequestAborted).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            await GatewayRequestLimiter.WriteRejectionAsync(http, lease, http.RequestAborted).ConfigureAwait(false);
            return;
        }
        await next(http).ConfigureAwait(false);
    }
}
