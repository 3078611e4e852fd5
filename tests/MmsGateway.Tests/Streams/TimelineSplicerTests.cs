using MmsGateway.Streams;

namespace MmsGateway.Tests.Streams;

/// <summary><see cref="TimelineSplicer"/> on sequences of upstream send times (ms).</summary>
public sealed class TimelineSplicerTests
{
    /// <summary>What viewers get for each send time: the new send time, or null when the packet is skipped.</summary>
    private static List<uint?> Place(TimelineSplicer splicer, params long[] sendTimes)
    {
        var placed = new List<uint?>();
        foreach (var t in sendTimes) placed.Add(splicer.TryPlace(t, out _, out var sendTime) ? sendTime : null);
        return placed;
    }

    private static long[] Run(long from, long to, long step = 100)
    {
        var times = new List<long>();
        for (var t = from; t <= to; t += step) times.Add(t);
        return [.. times];
    }

    [Fact]
    public void The_first_packet_keeps_its_send_time_and_so_do_the_ones_after_it()
    {
        var splicer = new TimelineSplicer();
        Assert.True(splicer.TryPlace(5000, out var shift, out var sendTime));
        Assert.Equal(0, shift);
        Assert.Equal(5000u, sendTime);
        Assert.Equal(new uint?[] { 5100u, 5200u, 5300u }, Place(splicer, 5100, 5200, 5300));
    }

    [Fact]
    public void A_reconnect_is_spliced_on_right_after_what_viewers_have()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, Run(1000, 10_000));
        splicer.StartSession();
        // The new session's clock starts over at 200: its packets follow 10 000 with the same spacing as upstream.
        Assert.True(splicer.TryPlace(200, out var shift, out var sendTime));
        Assert.Equal(10_000 + TimelineSplicer.SpliceGapMs - 200, shift);
        Assert.Equal(10_100u, sendTime);
        Assert.Equal(new uint?[] { 10_200u, 10_300u }, Place(splicer, 300, 400));
    }

    [Fact]
    public void A_replay_that_restarts_at_an_earlier_key_frame_skips_what_viewers_already_have()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, Run(1000, 3000));
        splicer.Replayed();
        // The re-Play starts back at the key frame of 2000: 2000..3000 went out already, 3100 on is new.
        var placed = Place(splicer, Run(2000, 3400));
        Assert.All(placed.Take(11), p => Assert.Null(p));
        Assert.Equal(new uint?[] { 3100u, 3200u, 3300u, 3400u }, placed.Skip(11));
    }

    [Fact]
    public void A_replay_that_resumes_a_little_ahead_keeps_the_clock()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, Run(1000, 3000));
        splicer.Replayed();
        // Within the jump limit: ordinary packet spacing, nothing was lost.
        Assert.Equal(new uint?[] { 3000u + 400, 3000u + 500 }, Place(splicer, 3400, 3500));
    }

    [Fact]
    public void A_replay_that_jumps_past_what_a_lagging_session_received_is_spliced_on()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, Run(1000, 3000));
        splicer.Replayed();
        // The step down joined the live point at 9000 while viewers had only up to 3000: splice, do not leave a gap.
        Assert.True(splicer.TryPlace(9000, out var shift, out var sendTime));
        Assert.Equal(3000 + TimelineSplicer.SpliceGapMs - 9000, shift);
        Assert.Equal(3100u, sendTime);
        Assert.Equal(new uint?[] { 3200u }, Place(splicer, 9100));
    }

    [Fact]
    public void A_replay_far_behind_the_overlap_is_another_timeline_and_is_spliced_on()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, Run(99_000, 100_000));
        splicer.Replayed();
        // Time went back by more than the overlap limit: not an overlap to skip but a restart (e.g. a looped source).
        Assert.Equal(new uint?[] { 100_100u, 100_200u }, Place(splicer, 10_000, 10_100));
    }

    [Fact]
    public void Within_one_session_without_a_replay_time_going_backwards_is_passed_through()
    {
        var splicer = new TimelineSplicer();
        Assert.Equal(new uint?[] { 5000u, 4000u, 4100u }, Place(splicer, 5000, 4000, 4100));
    }

    [Fact]
    public void A_replay_before_the_session_passed_anything_on_splices_like_a_reconnect()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, Run(1000, 2000));
        splicer.StartSession();
        splicer.Replayed(); // nothing of this session went out yet: there is no overlap to skip
        Assert.Equal(new uint?[] { 2100u, 2200u }, Place(splicer, 50_000, 50_100));
    }

    [Fact]
    public void A_header_with_another_timeline_is_spliced_on_and_a_new_layout_starts_over()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, Run(1000, 2000));
        splicer.Discontinuity();
        Assert.Equal(new uint?[] { 2100u, 2200u }, Place(splicer, 0, 100));
        // A new layout (new ring, new viewers): the stream's own times again.
        splicer.StartTimeline();
        Assert.Equal(new uint?[] { 700u, 800u }, Place(splicer, 700, 800));
        Assert.Equal(800, splicer.OutputTimeMs);
    }

    [Fact]
    public void A_shifted_send_time_beyond_the_32_bit_range_is_held_at_its_end_rather_than_wrapping()
    {
        var splicer = new TimelineSplicer();
        Place(splicer, uint.MaxValue - 50);
        splicer.StartSession();
        Assert.Equal(new uint?[] { uint.MaxValue, uint.MaxValue }, Place(splicer, 0, 100));
    }
}
