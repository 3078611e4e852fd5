using MmsGateway.Mms.Client;
using MmsGateway.Http;
using MmsGateway.Streams;

namespace MmsGateway.Security;

/// <summary>
/// Turns an upstream failure that reaches the top of a request (an on-demand viewer's or <c>/play</c>'s connect)
/// into a clear HTTP answer instead of a 500: 403 when the address policy refused the upstream, 503 with
/// <c>Retry-After</c> when <c>MaxUpstreamSessions</c> is reached, 502 when the upstream could not be played.
/// </summary>
public sealed partial class UpstreamErrorMiddleware(RequestDelegate next, ILogger<UpstreamErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (UpstreamLimitReachedException e) when (!http.Response.HasStarted)
        {
            http.Response.Headers.RetryAfter = "5";
            await WriteAsync(http, StatusCodes.Status503ServiceUnavailable, e.Message).ConfigureAwait(false);
        }
        catch (MmsClientException e) when (!http.Response.HasStarted && MmsEndpointRefusedException.Find(e) is { } refused)
        {
            LogRefused(logger, http.Request.Path.Value ?? "/", refused.Message);
            await WriteAsync(http, StatusCodes.Status403Forbidden, $"the upstream is not allowed: {refused.Message}").ConfigureAwait(false);
        }
        catch (MmsClientException e) when (!http.Response.HasStarted)
        {
            // The kind and step only: the message names upstream URLs, which viewers of configured streams need not see.
            LogFailed(logger, http.Request.Path.Value ?? "/", e.Message);
            await WriteAsync(http, StatusCodes.Status502BadGateway,
                $"the upstream could not be played ({e.Kind} at {e.Step})").ConfigureAwait(false);
        }
    }

    private static Task WriteAsync(HttpContext http, int status, string message) =>
        http.Response.WriteErrorAsync(status, message, http.RequestAborted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: upstream refused by the address policy: {Reason}")]
    private static partial void LogRefused(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: upstream failed: {Problem}")]
    private static partial void LogFailed(ILogger logger, string path, string problem);
}
