using Microsoft.Extensions.Logging;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;

namespace MmsGateway.Streams;

/// <summary>
/// Supervises one stream's upstream source (docs/design.md#streamhub; MediaMTX's one supervised source per stream).
/// No session runs until the source is wanted (a first viewer, or at start for an always-on stream); while it is,
/// sessions run one after the other, each loss followed by a <see cref="ReconnectBackoff"/> delay; a running session
/// ends itself once <see cref="TryGoIdle"/> says nobody has watched for the grace period, and the next viewer starts
/// the source again.
/// </summary>
public sealed partial class UpstreamSupervisor
{
    private readonly string _stream;
    private readonly TimeSpan _closeAfter;
    private readonly bool _alwaysOn;
    private readonly ReconnectBackoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource _wanted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastViewerLeft = long.MaxValue;
    private int _failures;

    public UpstreamSupervisor(string stream, TimeSpan closeAfter, bool alwaysOn, ReconnectBackoff backoff, TimeProvider time, ILogger logger)
    {
        _stream = stream;
        _closeAfter = closeAfter;
        _alwaysOn = alwaysOn;
        _backoff = backoff;
        _time = time;
        _logger = logger;
        if (alwaysOn) _wanted.TrySetResult();
    }

    /// <summary>Someone wants the stream: an idle source starts a session.</summary>
    public void Want()
    {
        lock (_gate) _wanted.TrySetResult();
    }

    /// <summary>The last viewer left: the grace period starts now.</summary>
    public void LastViewerLeft()
    {
        lock (_gate) _lastViewerLeft = _time.GetTimestamp();
    }

    /// <summary>
    /// True, and the source waits for the next <see cref="Want"/>, when no viewer has watched for the grace period
    /// (never for an always-on stream). The caller holds whatever keeps <paramref name="viewers"/> from changing.
    /// </summary>
    public bool TryGoIdle(int viewers)
    {
        if (_alwaysOn) return false;
        lock (_gate)
        {
            if (viewers > 0 || _time.GetElapsedTime(_lastViewerLeft) < _closeAfter) return false;
            _wanted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return true;
        }
    }

    /// <summary>The running session is established: the next loss backs off from the initial delay again.</summary>
    public void Established() => _failures = 0;

    /// <summary>
    /// Runs <paramref name="session"/> whenever the source is wanted, until <paramref name="cancellationToken"/> is
    /// cancelled. A session returns when the source went idle and throws when it was lost: then
    /// <paramref name="lost"/> is told the cause and the delay before the next attempt.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> session, Action<Exception, TimeSpan> lost, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Task wanted;
                lock (_gate) wanted = _wanted.Task;
                await wanted.WaitAsync(cancellationToken).ConfigureAwait(false);
                await session(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (IsLoss(e))
            {
                var delay = _backoff.Next(++_failures);
                lost(e, delay);
                LogLost(_logger, _stream, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>What an upstream does to a session (retried); anything else is a fault of the gateway's own.</summary>
    private static bool IsLoss(Exception e) =>
        e is MmsClientException or IOException or Mms.MmsProtocolException or AsfFormatException or InvalidOperationException or TimeoutException;
}
