using System.Collections.Concurrent;

namespace MmsGateway.Outputs;

/// <summary>Which <see cref="FlushClock"/> a live viewer waits on: shared by every viewer with the same flush interval.</summary>
internal static class FlushClocks
{
    /// <summary>
    /// Clocks per flush interval for viewers written through a pipe. They are spread over a few clocks, each started
    /// when first needed (so at its own phase): the writes of a large audience come in several smaller bursts per
    /// interval rather than one, which keeps the response buffers in flight at once, and so the memory pool's
    /// high-water mark, a fraction as large. Viewers sent from the ring, which hold no buffers, all share one clock
    /// (<see cref="RingPhase"/>): each clock tick wakes the thread pool, and with eight clocks the wake-ups cost about a
    /// seventh of the fan-out's CPU (benchmarks/README.md, "Session 6").
    /// </summary>
    private const int ClocksPerInterval = 8;

    /// <summary>The clock of the viewers sent from the ring (the others have phases 0 to 7).</summary>
    private const int RingPhase = -1;

    private static readonly ConcurrentDictionary<(TimeSpan Interval, int Phase), FlushClock> Clocks = new();
    private static int _nextPhase;

    /// <summary>The clock for a new viewer; null when <paramref name="interval"/> is zero (every wake-up writes at once).</summary>
    public static FlushClock? For(TimeSpan interval, bool sentFromRing)
    {
        var phase = sentFromRing ? RingPhase : (int)((uint)Interlocked.Increment(ref _nextPhase) % ClocksPerInterval);
        return interval > TimeSpan.Zero ? Clocks.GetOrAdd((interval, phase), static k => new FlushClock(k.Interval, TimeProvider.System)) : null;
    }
}
