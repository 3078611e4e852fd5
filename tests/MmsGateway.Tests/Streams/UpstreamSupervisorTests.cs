using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MmsGateway.Streams;

namespace MmsGateway.Tests.Streams;

/// <summary><see cref="UpstreamSupervisor"/> on a manual clock, with sessions that are lost or go idle on cue.</summary>
public sealed class UpstreamSupervisorTests
{
    private static readonly TimeSpan CloseAfter = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>A manual clock that says when a timer was made (the supervisor's backoff wait has started).</summary>
    private sealed class ObservedTime(FakeTimeProvider inner) : TimeProvider
    {
        public SemaphoreSlim TimersCreated { get; } = new(0);
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();
        public override long GetTimestamp() => inner.GetTimestamp();
        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = inner.CreateTimer(callback, state, dueTime, period);
            TimersCreated.Release();
            return timer;
        }
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;

        public Rig(bool alwaysOn = false, TimeSpan? maxDelay = null)
        {
            Time = new ObservedTime(Clock);
            Supervisor = new UpstreamSupervisor("test", CloseAfter, alwaysOn,
                new ReconnectBackoff(TimeSpan.FromSeconds(1), maxDelay ?? TimeSpan.FromSeconds(30), new Random(5)), Time, NullLogger.Instance);
        }

        public FakeTimeProvider Clock { get; } = new();
        public ObservedTime Time { get; }
        public UpstreamSupervisor Supervisor { get; }
        public Channel<int> Sessions { get; } = Channel.CreateUnbounded<int>();
        public ConcurrentQueue<TimeSpan> Delays { get; } = new();

        public TimeSpan LastDelay => Delays.ToArray()[^1];

        /// <summary>Runs sessions that each report their number, then do <paramref name="session"/>.</summary>
        public void Start(Func<int, CancellationToken, Task> session)
        {
            var count = 0;
            _run = Task.Run(() => Supervisor.RunAsync(ct =>
            {
                var n = ++count;
                Sessions.Writer.TryWrite(n);
                return session(n, ct);
            }, (_, delay) => Delays.Enqueue(delay), _stop.Token));
        }

        public async Task<int> NextSessionAsync() => await Sessions.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        /// <summary>No new session within a short real wait (a session would start at once if due).</summary>
        public async Task AssertNoSessionAsync()
        {
            await Task.Delay(100);
            Assert.False(Sessions.Reader.TryPeek(out var n), $"session {n} started");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(Wait);
            _stop.Dispose();
        }
    }

    private static Task Lost(int session, CancellationToken ct) => Task.FromException(new IOException("the upstream ended the stream"));

    [Fact]
    public async Task Nothing_runs_until_the_stream_is_wanted()
    {
        await using var rig = new Rig();
        rig.Start((_, ct) => Task.Delay(Timeout.Infinite, ct));
        await rig.AssertNoSessionAsync();
        rig.Supervisor.Want();
        Assert.Equal(1, await rig.NextSessionAsync());
    }

    [Fact]
    public async Task An_always_on_stream_runs_at_once()
    {
        await using var rig = new Rig(alwaysOn: true);
        rig.Start((_, ct) => Task.Delay(Timeout.Infinite, ct));
        Assert.Equal(1, await rig.NextSessionAsync());
    }

    [Fact]
    public async Task A_lost_session_is_retried_after_a_backoff_that_doubles_up_to_the_cap()
    {
        await using var rig = new Rig(maxDelay: TimeSpan.FromSeconds(4));
        rig.Start(Lost);
        rig.Supervisor.Want();
        Assert.Equal(1, await rig.NextSessionAsync());
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            Assert.True(await rig.Time.TimersCreated.WaitAsync(Wait), "the supervisor waits on the clock");
            var delay = rig.LastDelay;
            rig.Clock.Advance(delay - TimeSpan.FromMilliseconds(1));
            await rig.AssertNoSessionAsync();
            rig.Clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(attempt, await rig.NextSessionAsync());
        }
        var delays = rig.Delays.ToArray();
        var expected = new[] { 1.0, 2, 4, 4 };
        for (var i = 0; i < expected.Length; i++) Assert.InRange(delays[i].TotalSeconds, expected[i] * 0.8, expected[i] * 1.2);
    }

    [Fact]
    public async Task An_established_session_starts_the_backoff_over()
    {
        await using var rig = new Rig();
        rig.Start((n, ct) =>
        {
            rig.Supervisor.Established();
            return Lost(n, ct);
        });
        rig.Supervisor.Want();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(attempt, await rig.NextSessionAsync());
            Assert.True(await rig.Time.TimersCreated.WaitAsync(Wait));
            rig.Clock.Advance(rig.LastDelay);
        }
        Assert.All(rig.Delays.ToArray().Take(3), d => Assert.InRange(d.TotalSeconds, 0.8, 1.2));
    }

    [Fact]
    public async Task The_source_goes_idle_only_a_grace_period_after_the_last_viewer()
    {
        await using var rig = new Rig();
        Assert.False(rig.Supervisor.TryGoIdle(viewers: 0), "no viewer has left yet");
        rig.Supervisor.LastViewerLeft();
        rig.Clock.Advance(CloseAfter - TimeSpan.FromMilliseconds(1));
        Assert.False(rig.Supervisor.TryGoIdle(viewers: 0));
        Assert.False(rig.Supervisor.TryGoIdle(viewers: 1));
        rig.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(rig.Supervisor.TryGoIdle(viewers: 1), "a viewer is watching");
        Assert.True(rig.Supervisor.TryGoIdle(viewers: 0));
    }

    [Fact]
    public async Task An_always_on_source_never_goes_idle()
    {
        await using var rig = new Rig(alwaysOn: true);
        rig.Supervisor.LastViewerLeft();
        rig.Clock.Advance(CloseAfter * 10);
        Assert.False(rig.Supervisor.TryGoIdle(viewers: 0));
    }

    [Fact]
    public async Task After_going_idle_the_next_session_waits_for_the_next_viewer()
    {
        await using var rig = new Rig();
        rig.Supervisor.LastViewerLeft();
        rig.Clock.Advance(CloseAfter);
        // Each session ends the way the pump does when nobody watches: it goes idle and returns.
        rig.Start((_, _) =>
        {
            Assert.True(rig.Supervisor.TryGoIdle(viewers: 0));
            return Task.CompletedTask;
        });
        rig.Supervisor.Want();
        Assert.Equal(1, await rig.NextSessionAsync());
        await rig.AssertNoSessionAsync();
        rig.Supervisor.Want();
        Assert.Equal(2, await rig.NextSessionAsync());
        Assert.Empty(rig.Delays);
    }
}
