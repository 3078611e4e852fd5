namespace MmsGateway.Outputs;

/// <summary>
/// What a <see cref="FlushClock"/> sends for on its ticks: a fast-path viewer of <see cref="LiveViewerPump"/> whose loop
/// is suspended meanwhile, so the tick has the viewer's state to itself.
/// </summary>
internal interface IParkedSender
{
    /// <summary>Called by the clock before it registers the sender: the wait the viewer's loop then awaits.</summary>
    ValueTask Prepare();

    /// <summary>Called on a tick, on the tick's thread; false when the loop must take over. Never throws.</summary>
    bool SendFromTick();

    /// <summary>Completes the wait <see cref="Prepare"/> returned: the loop goes on.</summary>
    void Resume();
}

/// <summary>
/// One timer for every viewer with the same flush interval (<see cref="LiveViewerPump"/>): each tick completes the task
/// the viewers wait on (their continuations run on the thread pool, so the burst of writes spreads over the cores), and
/// sends for the fast-path viewers parked with it (<see cref="IParkedSender"/>) on the tick's own thread. The timer stops
/// after a tick nobody asked for and starts again with the next waiter, so an idle gateway does not tick. Ticks may
/// overlap (a tick that takes longer than the interval): each works on its own list of parked senders.
/// </summary>
internal sealed class FlushClock
{
    private readonly TimeSpan _interval;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private TaskCompletionSource _tick = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _running;
    private bool _asked;

    /// <summary>
    /// Parked senders for the next tick. A tick takes the list and puts <see cref="_spare"/> in its place, then gives its
    /// list back as the spare, so nothing is allocated per tick (a second list is made only when ticks overlap).
    /// </summary>
    private List<IParkedSender> _parked = [];
    private List<IParkedSender>? _spare = [];

    public FlushClock(TimeSpan interval, TimeProvider timeProvider)
    {
        _interval = interval;
        // The clock outlives the request that made it: its ticks must not run in that request's execution context.
        using (ExecutionContext.SuppressFlow())
            _timer = timeProvider.CreateTimer(static s => ((FlushClock)s!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public Task NextTick()
    {
        lock (_gate)
        {
            AskLocked();
            return _tick.Task;
        }
    }

    /// <summary>Parks <paramref name="sender"/> until a tick cannot finish its sends (see <see cref="IParkedSender"/>).</summary>
    public ValueTask ParkAsync(IParkedSender sender)
    {
        var resumed = sender.Prepare();
        lock (_gate)
        {
            AskLocked();
            _parked.Add(sender);
        }
        return resumed;
    }

    private void AskLocked()
    {
        _asked = true;
        if (_running) return;
        _running = true;
        _timer.Change(_interval, _interval);
    }

    private void OnTick()
    {
        TaskCompletionSource fired;
        List<IParkedSender> ticking;
        lock (_gate)
        {
            fired = _tick;
            _tick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ticking = _parked;
            _parked = _spare ?? [];
            _spare = null;
            if (!_asked && _running)
            {
                _running = false;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            _asked = false;
        }
        fired.TrySetResult();

        // Those whose sends all went out stay parked for the next tick (moved to the front); the rest resume their loops.
        var kept = 0;
        for (var i = 0; i < ticking.Count; i++)
        {
            var sender = ticking[i];
            if (sender.SendFromTick()) ticking[kept++] = sender;
            else sender.Resume();
        }
        lock (_gate)
        {
            for (var i = 0; i < kept; i++) _parked.Add(ticking[i]);
            // As a new park would: an overlapping tick that found nobody waiting may have stopped the timer meanwhile.
            if (kept > 0) AskLocked();
            ticking.Clear();
            _spare ??= ticking;
        }
    }
}
