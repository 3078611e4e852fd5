using MmsGateway.Http;
using MmsGateway.Streams;

namespace MmsGateway.Security;

/// <summary>
/// <c>/admin/*</c>: operator actions, behind <c>Gateway:Security:AdminApiKey</c> (<see cref="SecurityMiddleware"/>).
/// </summary>
public static class AdminEndpoints
{
    public static void MapAdminEndpoints(this WebApplication app)
    {
        // Ends every viewer of a live stream (e.g. after revoking a key): they reconnect with new URLs or not at all.
        app.MapPost("/admin/streams/{name}/disconnect", (string name, StreamRegistry registry) =>
            registry.Hub(name) is { } hub
                ? Results.Text($"{hub.DisconnectViewers("disconnected by an operator")} viewers disconnected\n")
                : HttpErrors.NotFound($"no live stream named '{name}'"));
        app.MapGet("/admin/limits", (Microsoft.Extensions.Options.IOptions<SecurityOptions> options, UpstreamSessionLimit upstream) =>
            Results.Json(new AdminLimits(options.Value.MaxViewersPerStream, upstream.Limit, upstream.Limit - upstream.Available,
                options.Value.MaxConcurrentRequestsPerClient), AdminJsonContext.Default.AdminLimits));
    }
}

/// <summary><c>GET /admin/limits</c>: the configured limits and the upstream sessions in use.</summary>
public sealed record AdminLimits(int MaxViewersPerStream, int MaxUpstreamSessions, long UpstreamSessionsInUse, int MaxConcurrentRequestsPerClient);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(AdminLimits))]
internal sealed partial class AdminJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
