using Microsoft.AspNetCore.Http.Features;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MmsGateway.Http;

namespace MmsGateway.Security;

/// <summary>
/// Checks credentials before anything else runs: the API key on administrative paths, a signed URL on viewer paths
/// (when keys are configured). Health probes and the player's static files stay open.
/// </summary>
public sealed partial class SecurityMiddleware(RequestDelegate next, IOptions<SecurityOptions> options, ViewerUrlSigner signer,
    ILogger<SecurityMiddleware> logger)
{
    private const string ApiKeyHeader = "X-Api-Key";
    private const string TokenItem = "MmsGateway.ViewerToken";

    private readonly byte[]? _adminKeyHash = options.Value.AdminApiKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    /// <summary>
    /// The administrative surface: <c>/admin/*</c>, the status of every stream (<c>/</c>, <c>/streams</c>: sources,
    /// errors) and <c>/metrics</c>. Not <c>/healthz</c> and <c>/readyz</c>, which orchestrators probe without keys.
    /// </summary>
    public static bool IsAdministrative(PathString path) =>
        path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/metrics", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/streams", StringComparison.OrdinalIgnoreCase) || path.Equals("/streams/", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/", StringComparison.Ordinal) || !path.HasValue;

    /// <summary>The validated token of this request (<c>exp=…&amp;sig=…</c>), to carry into the URLs a playlist lists.</summary>
    public static string? ViewerToken(HttpContext http) => http.Items.TryGetValue(TokenItem, out var token) ? token as string : null;

    public Task InvokeAsync(HttpContext http)
    {
        // A declared body over the limit is refused before anything runs. Kestrel enforces MaxRequestBodySize only
        // when a body is read, and no endpoint here reads one that large, so without this the limit would never answer.
        if (http.Request.ContentLength is { } declared && http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } max
            && declared > max)
        {
            return RefuseAsync(http, StatusCodes.Status413PayloadTooLarge,
                $"a request body of {declared} bytes is over the limit of {max} (Gateway:Security:MaxRequestBodySize)");
        }
        var path = http.Request.Path;
        if (IsAdministrative(path))
        {
            if (_adminKeyHash is null) return next(http);
            var given = GivenApiKey(http.Request);
            if (given is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"MmsGateway admin\"";
                return RefuseAsync(http, StatusCodes.Status401Unauthorized, "an API key is required (X-Api-Key or Authorization: Bearer)");
            }
            // Hash both sides so the constant-time compare sees equal lengths whatever was sent.
            if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), _adminKeyHash))
            {
                LogBadApiKey(logger, http.Connection.RemoteIpAddress?.ToString() ?? "?", path.Value ?? "/");
                return RefuseAsync(http, StatusCodes.Status403Forbidden, "the API key is not valid");
            }
            return next(http);
        }

        if (!signer.Enabled) return next(http);
        var query = http.Request.Query;
        var scope = ViewerUrlSigner.ScopeOf(path.Value ?? "/", query["url"].ToString());
        if (scope is null) return next(http);
        string? exp = query[ViewerUrlSigner.ExpiresParameter];
        string? sig = query[ViewerUrlSigner.SignatureParameter];
        switch (signer.Verify(scope, exp, sig))
        {
            case ViewerTokenStatus.Valid:
                http.Items[TokenItem] = $"{ViewerUrlSigner.ExpiresParameter}={Uri.EscapeDataString(exp!)}&{ViewerUrlSigner.SignatureParameter}={Uri.EscapeDataString(sig!)}";
                return next(http);
            case ViewerTokenStatus.Missing:
                return RefuseAsync(http, StatusCodes.Status401Unauthorized, "this URL must be signed (?exp=…&sig=…)");
            case ViewerTokenStatus.Expired:
                return RefuseAsync(http, StatusCodes.Status403Forbidden, "the signed URL has expired");
            default:
                LogBadSignature(logger, http.Connection.RemoteIpAddress?.ToString() ?? "?", path.Value ?? "/");
                return RefuseAsync(http, StatusCodes.Status403Forbidden, "the URL's signature is not valid");
        }
    }

    private static string? GivenApiKey(HttpRequest request)
    {
        var header = request.Headers[ApiKeyHeader].ToString();
        if (header.Length > 0) return header;
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    private static Task RefuseAsync(HttpContext http, int status, string message) =>
        http.Response.WriteErrorAsync(status, message, http.RequestAborted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a wrong API key from {Client} for {Path}")]
    private static partial void LogBadApiKey(ILogger logger, string client, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a bad URL signature from {Client} for {Path}")]
    private static partial void LogBadSignature(ILogger logger, string client, string path);
}
