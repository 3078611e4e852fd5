using System.Threading.Tasks.Sources;

namespace MmsGateway.Mms.Client;

/// <summary>
/// A reusable "something changed" wake-up for one waiter at a time, with a deadline and a cancellation token and no
/// allocation per wait (the MMSU reader waits on it once per packet). <see cref="Set"/> before anyone waits is
/// remembered, so a wake-up between the waiter's last check and its wait is never lost. The deadline timer is
/// re-armed from a stored deadline, so a late callback of an earlier wait cannot end a later one.
/// </summary>
internal sealed class MmsAsyncSignal : IValueTaskSource<bool>, IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private long _deadline = long.MaxValue;
    private bool _pending;
    private bool _waiting;

    public MmsAsyncSignal(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((MmsAsyncSignal)state!).OnTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Wakes the waiter, or the next one to wait.</summary>
    public void Set() => Complete(signalled: true);

    /// <summary>True when <see cref="Set"/> was called, false when <paramref name="timeout"/> passed first.</summary>
    public ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (_pending)
            {
                _pending = false;
                return new ValueTask<bool>(true);
            }

            if (timeout <= TimeSpan.Zero) return new ValueTask<bool>(false);
            if (_waiting) throw new InvalidOperationException("MmsAsyncSignal has one waiter at a time.");
            _core.Reset();
            _waiting = true;
            _deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((MmsAsyncSignal)state!).Cancel(token), this);
        }

        return new ValueTask<bool>(this, _core.Version);
    }

    public bool GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _registration.Dispose();
            _registration = default;
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _core.OnCompleted(continuation, state, token, flags);

    public void Dispose() => _timer.Dispose();

    private void OnTimer()
    {
        lock (_lock)
        {
            if (!_waiting) return;
            long left = _deadline - _time.GetTimestamp();
            if (left > 0)
            {
                _timer.Change(TimeSpan.FromSeconds((double)left / _time.TimestampFrequency) + TimeSpan.FromMilliseconds(1),
                    Timeout.InfiniteTimeSpan);
                return;
            }
        }

        Complete(signalled: false);
    }

    private void Complete(bool signalled)
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                if (signalled) _pending = true;
                return;
            }

            _waiting = false;
            _deadline = long.MaxValue;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        _core.SetResult(signalled);
    }

    private void Cancel(CancellationToken token)
    {
        lock (_lock)
        {
            if (!_waiting) return;
            _waiting = false;
            _deadline = long.MaxValue;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        _core.SetException(new OperationCanceledException(token));
    }
}
