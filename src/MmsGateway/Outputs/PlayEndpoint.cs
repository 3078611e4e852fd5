using MmsGateway.Http;
using Microsoft.Extensions.Options;
using MmsGateway.Observability;
using MmsGateway.Streams;

namespace MmsGateway.Outputs;

/// <summary>
/// <c>GET /play?url=</c>: an ad-hoc stream for an upstream URL whose host is on <c>Gateway:AllowedHosts</c> (empty
/// by default, so nothing is open). Each request gets its own upstream session and chunked ASF; configured
/// streams are the way to share one session among many viewers. The host list and the address rules
/// (Security/UpstreamAddressPolicy) apply to every hop: playlist entries, redirects, NSC stations; a refusal is 403
/// and an upstream that cannot be played 502 (Security/UpstreamErrorMiddleware).
/// </summary>
public static class PlayEndpoint
{
    public static void MapPlayEndpoint(this WebApplication app) => app.MapGet("/play", PlayAsync);

    private static async Task PlayAsync(HttpContext http, StreamRegistry registry, IOptions<GatewayOptions> options, GatewayMetrics metrics, TimeProvider time)
    {
        var text = http.Request.Query["url"].ToString();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("mms" or "mmst" or "mmsh" or "mmsu" or "http" or "rtsp" or "rtspt" or "rtspu"))
        {
            await http.Response.WriteErrorAsync(StatusCodes.Status400BadRequest, "url must be an mms://, mmst://, mmsh://, mmsu://, rtsp://, rtspt://, rtspu:// or http:// URL", http.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (options.Value.AllowedHosts.Count == 0 || !UpstreamAddressPolicy.IsAllowedHost(url.IdnHost.Trim('[', ']'), options.Value.AllowedHosts))
        {
            await http.Response.WriteErrorAsync(StatusCodes.Status403Forbidden, $"host '{url.Host}' is not in Gateway:AllowedHosts", http.RequestAborted).ConfigureAwait(false);
            return;
        }
        const string name = "adhoc";
        var ct = http.RequestAborted;
        await using var session = await registry.Connector.ConnectAdHocAsync(name, url, ct).ConfigureAwait(false);
        http.Response.ContentType = "video/x-ms-asf";
        http.Response.Headers.CacheControl = "no-cache, no-store";
        metrics.ViewerConnected(name, "asf");
        try
        {
            var pump = new OnDemandViewerPump(name, "asf", session, ViewerFraming.Asf, session.SelectedStreams, fromStart: true, metrics, time,
                options.Value.ViewerFlushInterval);
            await pump.RunAsync(http.Response.BodyWriter, ct).ConfigureAwait(false);
        }
        finally
        {
            metrics.ViewerDisconnected(name, "asf");
        }
    }
}
