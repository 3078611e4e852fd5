using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using MmsGateway.Http;
using MmsGateway.Streams;

namespace MmsGateway.Security;

/// <summary>
/// The global limiter of ASP.NET Core's rate-limiting middleware (README "Security", limits). Three checks, each refusal
/// with its own status and message (<see cref="WriteRejectionAsync"/>):
/// <list type="number">
/// <item>a viewer request that would need a new upstream session while <c>MaxUpstreamSessions</c> are all in use:
/// 503 at once, instead of a viewer waiting for a hub that cannot connect;</item>
/// <item>requests in progress from one client address over <c>MaxConcurrentRequestsPerClient</c>: 429;</item>
/// <item>viewers of one stream (<c>live.asf</c>, MS-WMSP, <c>/play</c>) over <c>MaxViewersPerStream</c>: 503.</item>
/// </list>
/// The permits are concurrency permits held until the request ends (a viewer holds its permits while it watches).
/// HLS viewers are not counted per stream: HLS is many short requests, bounded per client address instead.
/// </summary>
public sealed class GatewayRequestLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary>Metadata of a refusal: the HTTP status to answer with.</summary>
    public static readonly MetadataName<int> StatusCode = new("MmsGateway.StatusCode");

    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly KeyedConcurrencyLimit _perClient;
    private readonly KeyedConcurrencyLimit _perStream;
    private readonly SecurityOptions _options;
    private readonly UpstreamSessionLimit _upstream;

    public GatewayRequestLimiter(IOptions<SecurityOptions> options, UpstreamSessionLimit upstream)
    {
        _options = options.Value;
        _upstream = upstream;
        var perClient = Math.Max(1, _options.MaxConcurrentRequestsPerClient);
        var perStream = Math.Max(1, _options.MaxViewersPerStream);
        _perClient = new KeyedConcurrencyLimit(perClient);
        _perStream = new KeyedConcurrencyLimit(perStream);
    }

    /// <summary>The stream a viewer request watches (lower case), <c>/play</c> for ad-hoc play, else null.</summary>
    public static string? ViewedStream(PathString path)
    {
        var value = path.Value ?? "";
        if (value.Equals("/play", StringComparison.OrdinalIgnoreCase)) return "/play";
        const string prefix = "/streams/", suffix = "/live.asf";
        if (!value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return null;
        var name = value[prefix.Length..^suffix.Length];
        return name.Length == 0 || name.Contains('/', StringComparison.Ordinal) ? null : name.ToLowerInvariant();
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) =>
        new() { CurrentAvailablePermits = IsProbe(resource.Request.Path) ? int.MaxValue : _perClient.Available(ClientKey(resource)) };

    private static string ClientKey(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (NeedsUpstreamAndNoneLeft(resource))
        {
            return new Refusal(StatusCodes.Status503ServiceUnavailable,
                $"the gateway already has {_upstream.Limit} upstream sessions open (Gateway:Security:MaxUpstreamSessions)");
        }
        var client = IsProbe(resource.Request.Path) ? KeyedConcurrencyLimit.Unlimited : _perClient.TryAcquire(ClientKey(resource));
        if (!client.IsAcquired)
        {
            return new Refusal(StatusCodes.Status429TooManyRequests,
                $"too many requests in progress from {resource.Connection.RemoteIpAddress} (Gateway:Security:MaxConcurrentRequestsPerClient={_options.MaxConcurrentRequestsPerClient})");
        }
        var stream = ViewedStream(resource.Request.Path) is { } name ? _perStream.TryAcquire(name) : KeyedConcurrencyLimit.Unlimited;
        if (!stream.IsAcquired)
        {
            client.Dispose();
            return new Refusal(StatusCodes.Status503ServiceUnavailable,
                $"stream '{ViewedStream(resource.Request.Path)}' has its maximum of {_options.MaxViewersPerStream} viewers (Gateway:Security:MaxViewersPerStream)");
        }
        return new Both(client, stream);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount)); // nothing queues: a refusal is answered at once

    /// <summary>Answers a refused request: the refusal's status, <c>Retry-After</c> and message.</summary>
    public static async Task WriteRejectionAsync(HttpContext http, RateLimitLease refusal, CancellationToken cancellationToken)
    {
        var response = http.Response;
        var status = refusal.TryGetMetadata(StatusCode, out var code) ? code : StatusCodes.Status503ServiceUnavailable;
        if (refusal.TryGetMetadata(MetadataName.RetryAfter, out var retry))
            response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var reason = refusal.TryGetMetadata(MetadataName.ReasonPhrase, out var text) && text is not null ? text : "a limit was reached";
        await response.WriteErrorAsync(status, reason, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsProbe(PathString path) =>
        path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A viewer request that can only be served by opening an upstream session (an on-demand stream, <c>/play</c>, a
    /// live stream whose hub is idle) while none may be opened.
    /// </summary>
    private bool NeedsUpstreamAndNoneLeft(HttpContext http)
    {
        if (_upstream.Available > 0) return false;
        var path = http.Request.Path.Value ?? "";
        if (path.Equals("/play", StringComparison.OrdinalIgnoreCase)) return true;
        var scope = ViewerUrlSigner.ScopeOf(path, null);
        if (scope is null || !(path.EndsWith("/live.asf", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".m3u8", StringComparison.OrdinalIgnoreCase)))
            return false;
        var name = scope["/streams/".Length..^1];
        var registry = http.RequestServices.GetService<StreamRegistry>();
        if (registry is null || !registry.Streams.TryGetValue(name, out var stream)) return false;
        return stream.OnDemand || registry.Hub(name) is { State: HubState.Idle };
    }

    /// <summary>A refused request: the status, message and Retry-After for <see cref="WriteRejectionAsync"/>.</summary>
    private sealed class Refusal(int status, string reason) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [StatusCode.Name, MetadataName.ReasonPhrase.Name, MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName switch
            {
                _ when metadataName == StatusCode.Name => status,
                _ when metadataName == MetadataName.ReasonPhrase.Name => reason,
                _ when metadataName == MetadataName.RetryAfter.Name => RetryAfter,
                _ => null,
            };
            return metadata is not null;
        }
    }

    /// <summary>The per-client and per-stream permits of one admitted request, returned together.</summary>
    private sealed class Both(RateLimitLease first, RateLimitLease second) : PermitLease
    {
        public override bool IsAcquired => true;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                first.Dispose();
                second.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// Concurrency permits per key (a client address, a stream) with no timer: <c>PartitionedRateLimiter.Create</c> keeps a
/// limiter per partition and sweeps idle ones every 100 ms, waking an otherwise idle gateway ten times a second per
/// limiter (benchmarks/README.md, "Fan-out"). Here a key's entry exists exactly while it holds permits, so nothing needs
/// sweeping and memory is bounded by the requests in progress.
/// </summary>
internal sealed class KeyedConcurrencyLimit(int permitLimit)
{
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>An acquired lease that holds nothing: requests outside a limit's scope.</summary>
    public static RateLimitLease Unlimited { get; } = new Lease(null, "");

    private static readonly RateLimitLease Refused = new RefusedLease();

    /// <summary>A permit for <paramref name="key"/>, or a lease that is not acquired when the key holds them all.</summary>
    public RateLimitLease TryAcquire(string key)
    {
        lock (_gate)
        {
            _held.TryGetValue(key, out var held);
            if (held >= permitLimit) return Refused;
            _held[key] = held + 1;
        }
        return new Lease(this, key);
    }

    public int Available(string key)
    {
        lock (_gate)
        {
            return permitLimit - _held.GetValueOrDefault(key);
        }
    }

    /// <summary>Keys holding permits now (for tests: entries do not outlive their requests).</summary>
    public int Keys
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    private void Release(string key)
    {
        lock (_gate)
        {
            if (!_held.TryGetValue(key, out var held)) return;
            if (held <= 1) _held.Remove(key);
            else _held[key] = held - 1;
        }
    }

    private sealed class Lease(KeyedConcurrencyLimit? owner, string key) : PermitLease
    {
        private int _released;

        public override bool IsAcquired => true;

        protected override void Dispose(bool disposing)
        {
            if (disposing && owner is not null && Interlocked.Exchange(ref _released, 1) == 0) owner.Release(key);
            base.Dispose(disposing);
        }
    }

    private sealed class RefusedLease : PermitLease
    {
        public override bool IsAcquired => false;
    }
}

/// <summary>A lease that only says whether permits were granted: no metadata (refusals with a reason are <c>Refusal</c>).</summary>
internal abstract class PermitLease : RateLimitLease
{
    public override IEnumerable<string> MetadataNames => [];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }
}
