using MmsGateway.Outputs;

namespace MmsGateway.Tests.Outputs;

/// <summary>
/// The shared flush clock on timers the test fires itself, on the threads it chooses, so that ticks can be made to
/// overlap as they do when a tick takes longer than the interval.
/// </summary>
public class FlushClockTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Senders_an_overlapping_tick_keeps_parked_tick_again_after_a_later_tick_stopped_the_timer()
    {
        var timers = new ManualTimers();
        var clock = new FlushClock(Interval, timers);
        var timer = Assert.Single(timers.Created);
        Assert.False(timer.Armed, "an idle clock does not tick");

        using var inFirstTick = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var sender = new ScriptedSender(call =>
        {
            if (call == 1)
            {
                inFirstTick.Set();
                release.Wait(Patience);
            }
            return true; // everything went out: stays parked
        });
        var parked = clock.ParkAsync(sender);
        Assert.True(timer.Armed);

        // The first tick is still sending when the next one comes; that one finds nobody parked and nobody waiting, so
        // it stops the timer.
        var firstTick = Task.Run(timer.Fire);
        Assert.True(inFirstTick.Wait(Patience), "the first tick did not reach the sender");
        timer.Fire();
        Assert.False(timer.Armed);
        Assert.Equal(1, sender.Sends);

        // The first tick ends keeping its sender parked: the timer must run again, or that viewer would never be sent to.
        release.Set();
        await firstTick.WaitAsync(Patience);
        Assert.True(timer.Armed, "a sender is parked but the timer stays stopped");
        timer.Fire();
        Assert.Equal(2, sender.Sends);
        Assert.Equal(0, sender.Resumes);
        Assert.False(parked.IsCompleted);
    }

    [Fact]
    public async Task A_sender_a_tick_cannot_finish_for_resumes_its_loop_and_the_clock_stops_when_nobody_waits()
    {
        var timers = new ManualTimers();
        var clock = new FlushClock(Interval, timers);
        var timer = Assert.Single(timers.Created);
        var sender = new ScriptedSender(_ => false);
        var parked = clock.ParkAsync(sender);
        var tick = clock.NextTick();
        Assert.False(tick.IsCompleted);

        timer.Fire();
        await tick.WaitAsync(Patience);
        await parked.AsTask().WaitAsync(Patience);
        Assert.Equal((1, 1), (sender.Sends, sender.Resumes));
        Assert.True(timer.Armed, "the tick was asked for: the next one still comes");

        // Nobody parked or waited since: that tick stops the timer, and sends for nobody.
        timer.Fire();
        Assert.False(timer.Armed);
        Assert.Equal(1, sender.Sends);

        // A new waiter starts it again.
        var next = clock.NextTick();
        Assert.True(timer.Armed);
        timer.Fire();
        await next.WaitAsync(Patience);
    }

    /// <summary>A parked sender whose tick sends follow a script (given the call's number, from 1).</summary>
    private sealed class ScriptedSender(Func<int, bool> send) : IParkedSender
    {
        private TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sends;
        private int _resumes;

        public int Sends => Volatile.Read(ref _sends);
        public int Resumes => Volatile.Read(ref _resumes);

        public ValueTask Prepare()
        {
            _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new ValueTask(_resumed.Task);
        }

        public bool SendFromTick() => send(Interlocked.Increment(ref _sends));

        public void Resume()
        {
            Interlocked.Increment(ref _resumes);
            _resumed.TrySetResult();
        }
    }

    /// <summary>Timers that fire only when the test calls <see cref="ManualTimer.Fire"/>.</summary>
    private sealed class ManualTimers : TimeProvider
    {
        public List<ManualTimer> Created { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(callback, state, dueTime);
            lock (Created) Created.Add(timer);
            return timer;
        }
    }

    private sealed class ManualTimer(TimerCallback callback, object? state, TimeSpan dueTime) : ITimer
    {
        private volatile bool _armed = dueTime != Timeout.InfiniteTimeSpan;

        /// <summary>Whether the timer would fire (it was last changed to a finite due time).</summary>
        public bool Armed => _armed;

        /// <summary>Runs the callback on the calling thread, as the timer's own thread would.</summary>
        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _armed = dueTime != Timeout.InfiniteTimeSpan;
            return true;
        }

        public void Dispose() => _armed = false;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
