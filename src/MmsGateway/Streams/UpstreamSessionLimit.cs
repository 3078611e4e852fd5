using System.Threading.RateLimiting;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;

namespace MmsGateway.Streams;

/// <summary>
/// <c>Gateway:Security:MaxUpstreamSessions</c>: every upstream session (a hub's, an on-demand viewer's, a
/// <c>/play</c>) holds one permit from opening until it is disposed; beyond the limit a new one is refused with
/// <see cref="UpstreamLimitReachedException"/> (HTTP 503) instead of queueing.
/// </summary>
public sealed class UpstreamSessionLimit : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    /// <param name="limit"><c>Gateway:Security:MaxUpstreamSessions</c>.</param>
    public UpstreamSessionLimit(int limit)
    {
        Limit = Math.Max(1, limit); // validated; never 0 even before validation runs
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = Limit, QueueLimit = 0 });
    }

    public int Limit { get; }

    /// <summary>Permits left: 0 means the next upstream session would be refused.</summary>
    public long Available => _limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;

    /// <summary>A permit for one session, or <see cref="UpstreamLimitReachedException"/>.</summary>
    public RateLimitLease Acquire()
    {
        var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        throw new UpstreamLimitReachedException(Limit);
    }

    /// <summary>Wraps <paramref name="session"/> so that disposing it returns <paramref name="lease"/>.</summary>
    public static IMmsSession Hold(IMmsSession session, RateLimitLease lease) => new LeasedSession(session, lease);

    public void Dispose() => _limiter.Dispose();

    /// <summary>A session that gives its permit back when disposed; everything else passes through.</summary>
    private sealed class LeasedSession(IMmsSession inner, RateLimitLease lease) : IMmsSession, IUpstreamLossReport
    {
        private int _disposed;

        /// <summary>The inner session's losses; none for a transport that has no loss to report (TCP).</summary>
        public UpstreamLossCounts LossCounts => inner is IUpstreamLossReport report ? report.LossCounts : default;

        public MmsProtocol Protocol => inner.Protocol;
        public Uri Url => inner.Url;
        public AsfHeader Header => inner.Header;
        public ReadOnlyMemory<byte> HeaderBytes => inner.HeaderBytes;
        public bool IsBroadcast => inner.IsBroadcast;
        public AsfStreamSet SelectedStreams => inner.SelectedStreams;

        public ValueTask<MmsReadResult> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public ValueTask SelectStreamsAsync(IReadOnlyList<StreamSelection> selection, CancellationToken cancellationToken) =>
            inner.SelectStreamsAsync(selection, cancellationToken);

        public ValueTask SeekAsync(TimeSpan position, CancellationToken cancellationToken) => inner.SeekAsync(position, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                lease.Dispose();
            }
        }
    }
}

/// <summary>
/// A new upstream session would exceed <c>Gateway:Security:MaxUpstreamSessions</c>. An
/// <see cref="InvalidOperationException"/>, so a hub's supervisor treats it like any failed connect (backoff, retry).
/// </summary>
public sealed class UpstreamLimitReachedException : InvalidOperationException
{
    public UpstreamLimitReachedException()
    {
    }

    public UpstreamLimitReachedException(string message)
        : base(message)
    {
    }

    public UpstreamLimitReachedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UpstreamLimitReachedException(int limit)
        : base($"the gateway already has {limit} upstream sessions open (Gateway:Security:MaxUpstreamSessions)")
    {
    }
}
