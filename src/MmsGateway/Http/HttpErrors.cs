namespace MmsGateway.Http;

/// <summary>
/// The gateway's one form of error answer, shared by every endpoint and middleware (docs/design.md#http): a status code
/// and a one-line plain-text reason, never cached. Players show nothing of a body, but people reading a failed
/// <c>curl</c> or a browser tab do, so the reason names what to fix (a key, a stream name, the upstream's cause).
/// </summary>
public static class HttpErrors
{
    private const string ContentType = "text/plain; charset=utf-8";

    /// <summary>Writes the error answer on a response that has not started.</summary>
    public static Task WriteErrorAsync(this HttpResponse response, int status, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        return response.WriteAsync(message + "\n", cancellationToken);
    }

    /// <summary>The same answer as a minimal-API result.</summary>
    public static IResult Error(int status, string message) => new ErrorResult(status, message);

    /// <summary>404 with the reason.</summary>
    public static IResult NotFound(string message) => new ErrorResult(StatusCodes.Status404NotFound, message);

    private sealed class ErrorResult(int status, string message) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
    {
        public int? StatusCode => status;

        string? IContentTypeHttpResult.ContentType => ContentType;

        public Task ExecuteAsync(HttpContext httpContext) =>
            httpContext.Response.WriteErrorAsync(status, message, httpContext.RequestAborted);
    }
}
