namespace MmsGateway.Outputs;

/// <summary>The gateway's one form of error answer: a status and a one-line plain-text reason, never cached.</summary>
public static class TextResponses
{
    public static Task WriteErrorAsync(this HttpResponse response, int status, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        return response.WriteAsync(message + "\n", cancellationToken);
    }
}
