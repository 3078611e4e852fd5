using Microsoft.Extensions.Time.Testing;
using MmsGateway.Mms.Mmsu;

namespace MmsGateway.Mms.Tests.Mmsu;

/// <summary>The reorder and resend rules of docs/protocol/mmsu.md#s1.8 (items 6 and 7) on a manual clock.</summary>
public sealed class MmsuReorderWindowTests
{
    private const int PacketSize = 1000;
    private const byte Incarnation = 4;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly FakeTimeProvider _clock = new();
    private readonly MmsuReorderWindow _window;
    private readonly uint[] _numbers = new uint[MmsuReorderWindow.MaxNumbersPerTick];

    public MmsuReorderWindowTests()
    {
        _window = new MmsuReorderWindow(_clock, Interval, maxResends: 2);
        _window.Begin(Incarnation, PacketSize);
    }

    [Fact]
    public void Packets_out_of_order_are_handed_out_in_sequence_order()
    {
        Assert.Equal(MmsuArrival.Stored, Arrive(2));
        Assert.Equal(MmsuArrival.Stored, Arrive(1));
        Assert.Equal(MmsuTake.Wait, Take(out _, out bool pending));
        Assert.False(pending);

        Assert.Equal(MmsuArrival.AtHead, Arrive(0));

        Assert.Equal([0u, 1u, 2u], TakeAll());
        Assert.Equal(MmsuTake.Wait, Take(out _, out bool nothingPending));
        Assert.True(nothingPending);
    }

    [Fact]
    public void The_packet_handed_out_is_the_payload_received()
    {
        byte[] payload = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];
        _window.Accept(Preheader(0), payload);

        Assert.Equal(MmsuTake.Packet, _window.TryTake(out ReadOnlyMemory<byte> packet, out uint location, out _));
        Assert.Equal(payload, packet.ToArray());
        Assert.Equal(1000u, location);
    }

    [Fact]
    public void Duplicates_and_other_incarnations_are_dropped()
    {
        Arrive(0);
        Assert.Equal(MmsuArrival.Duplicate, Arrive(0));
        TakeAll();
        Assert.Equal(MmsuArrival.Duplicate, Arrive(0));
        Assert.Equal(MmsuArrival.NotPlaying, _window.Accept(Preheader(1) with { PlayIncarnation = 5 }, new byte[10]));
        Assert.Equal(2, _window.Duplicates);

        _window.End();
        Assert.Equal(MmsuArrival.NotPlaying, Arrive(1));
    }

    [Fact]
    public void A_gap_is_asked_for_after_half_an_interval_then_every_interval_then_given_up()
    {
        Arrive(0);
        Arrive(3);
        Assert.Equal(0, Tick().Count); // a little reordering is normal

        _clock.Advance(Interval / 2);
        Assert.Equal([1u, 2u], Ticked());

        _clock.Advance(Interval / 2);
        Assert.DoesNotContain(1u, Ticked()); // asked a moment ago (the quiet spell probes past 3 meanwhile)
        _clock.Advance(Interval / 2);
        Assert.Equal([1u, 2u], Ticked());

        _clock.Advance(Interval);
        MmsuResends last = Tick();
        Assert.Equal((2, false), (last.Lost, last.HeadLost)); // the head (0) was still untaken
        Assert.DoesNotContain(1u, _numbers[..last.Count]);
        Assert.Equal(2, _window.Lost);

        Assert.Equal([0u, 3u], TakeAll()); // the lost ones are skipped
    }

    [Fact]
    public void Giving_up_the_packet_the_reader_waits_for_wakes_it()
    {
        Arrive(0);
        TakeAll();
        Arrive(2);
        Assert.Equal(MmsuTake.Wait, Take(out _, out _));
        bool woken = false;
        for (int i = 0; i < 3; i++)
        {
            _clock.Advance(Interval);
            woken |= Tick().HeadLost;
        }

        Assert.True(woken);
        Assert.Equal(MmsuTake.Packet, Take(out uint location, out _));
        Assert.Equal(1002u, location);
        Assert.Equal(1, _window.Lost);
    }

    [Fact]
    public void A_packet_that_arrives_after_being_asked_for_counts_as_recovered()
    {
        Arrive(0);
        Arrive(2);
        _clock.Advance(Interval);
        Assert.Equal([1u], Ticked());

        Arrive(1);

        Assert.Equal(1, _window.Recovered);
        Assert.Equal([0u, 1u, 2u], TakeAll());
    }

    [Fact]
    public void A_quiet_spell_with_nothing_missing_probes_past_the_highest_number_three_times()
    {
        Arrive(0);
        Arrive(1);
        TakeAll();

        _clock.Advance(Interval);
        Assert.Equal([2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u], Ticked());
        Assert.Empty(Ticked()); // one probe per interval
        _clock.Advance(Interval);
        Assert.Equal(MmsuReorderWindow.TailProbeCount, Tick().Count);
        _clock.Advance(Interval);
        Assert.Equal(MmsuReorderWindow.TailProbeCount, Tick().Count);
        _clock.Advance(Interval);
        Assert.Empty(Ticked());

        Arrive(2); // an arrival starts the count again
        TakeAll();
        _clock.Advance(Interval);
        Assert.Equal(MmsuReorderWindow.TailProbeCount, Tick().Count);
    }

    [Fact]
    public void The_low_eight_bits_are_widened_across_the_wrap()
    {
        for (long s = 0; s < 600; s++)
        {
            Assert.Equal(MmsuArrival.AtHead, Arrive(s));
            Assert.Equal(MmsuTake.Packet, _window.TryTake(out _, out uint location, out _));
            Assert.Equal((uint)(1000 + s), location);
        }

        Assert.Equal(599, _window.Highest);
    }

    [Fact]
    public void A_packet_too_far_ahead_of_the_reader_is_left_for_later()
    {
        int capacity = _window.Capacity;
        Assert.Equal(MmsuArrival.OutOfWindow, Arrive(capacity - 1));
        Assert.Equal(MmsuArrival.Stored, Arrive(capacity - 2));
        Assert.Equal(1, _window.OutOfWindow);
    }

    [Fact]
    public void A_new_play_starts_again_at_sequence_zero()
    {
        Arrive(0);
        Arrive(1);
        TakeAll();

        _window.Begin(Incarnation + 1, PacketSize);

        Assert.Equal(-1, _window.Highest);
        Assert.Equal(MmsuArrival.NotPlaying, Arrive(2)); // the old incarnation
        Assert.Equal(MmsuArrival.AtHead, _window.Accept(Preheader(0) with { PlayIncarnation = Incarnation + 1 }, new byte[10]));
    }

    [Fact]
    public void Arrivals_takes_and_ticks_allocate_nothing()
    {
        byte[] payload = new byte[PacketSize];
        for (long s = 0; s < 300; s++)
        {
            _window.Accept(Preheader(s), payload);
            _window.TryTake(out _, out _, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long s = 300; s < 600; s++)
        {
            if (s % 7 != 0) _window.Accept(Preheader(s), payload); // leave gaps for the ticks
            _window.TryTake(out _, out _, out _);
            _clock.Advance(TimeSpan.FromMilliseconds(50));
            _window.Tick(_numbers);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private MmsuArrival Arrive(long sequence) => _window.Accept(Preheader(sequence), new byte[100]);

    /// <summary>Sequence in AFFlags' 8 bits, LocationId growing with it (as a server numbers its packets).</summary>
    private static MmsDataPacketHeader Preheader(long sequence) =>
        new((uint)(1000 + sequence), Incarnation, (byte)sequence, 108);

    private MmsuTake Take(out uint location, out bool nothingPending) =>
        _window.TryTake(out _, out location, out nothingPending);

    private uint[] TakeAll()
    {
        var taken = new List<uint>();
        while (Take(out uint location, out _) == MmsuTake.Packet) taken.Add(location - 1000);
        return [.. taken];
    }

    private MmsuResends Tick() => _window.Tick(_numbers);

    private uint[] Ticked() => _numbers[..Tick().Count];
}
