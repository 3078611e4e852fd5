using MmsGateway.Adaptation;
using MmsGateway.Asf;
using MmsGateway.Mms.Client;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Adaptation;

/// <summary>The pure parts of smart streaming: the ladder, the link estimate and the adapter's decisions, on given times.</summary>
public sealed class AdaptationPolicyTests
{
    private static readonly AsfHeader Declared = AsfHeaderReader.Parse(TestHeaders.MultiBitrate(broadcast: true));

    private static long DeclaredRate(int stream) => Declared.DeclaredBitrate(stream)?.Bitrate ?? 0;

    [Fact]
    public void Declared_ladder_is_each_exclusive_video_stream_best_first_then_key_frames_then_audio_alone()
    {
        var ladder = AdaptationLadder.Build(Declared, DeclaredRate);
        Assert.Equal(["{2}", "{3}", "{4}", "{4}", "{}"], ladder.Rungs.Select(r => r.Video.ToString()));
        Assert.Equal([0, 0, 0, 1, 2], ladder.Rungs.Select(r => r.ThinningLevel));
        Assert.Equal([564_000L, 364_000, 164_000, 84_000, 64_000], ladder.Rungs.Select(r => r.Bitrate));
        // Audio (stream 1) is on at every step; the others are off, not absent (docs/protocol/selection.md#s5.4).
        Assert.All(ladder.Rungs, r => Assert.Contains(new StreamSelection(1, StreamSelection.Full), r.Selection));
        Assert.All(ladder.Rungs, r => Assert.Equal(Declared.Streams.Count, r.Selection.Count));
        Assert.Contains(new StreamSelection(4, StreamSelection.KeyFramesOnly), ladder.Rungs[3].Selection);
        Assert.Equal(AsfStreamSet.Of(1, 2, 3, 4), ladder.Offered);
    }

    [Fact]
    public void A_cap_removes_the_steps_above_it_but_never_the_last()
    {
        var ladder = AdaptationLadder.Build(Declared, DeclaredRate, maxBitrate: 400_000);
        Assert.Equal(364_000, ladder.Rungs[0].Bitrate);
        Assert.Equal(AsfStreamSet.Of(1, 3, 4), ladder.Offered);
        Assert.Equal(1, ladder.BestWithin(200_000));
        Assert.Equal(ladder.Rungs.Count - 1, ladder.BestWithin(1_000));
        Assert.Single(AdaptationLadder.Build(Declared, DeclaredRate, maxBitrate: 10).Rungs);
    }

    [Fact]
    public async Task Ffmpeg_video_streams_without_an_exclusion_object_are_one_group_ordered_by_picture_size()
    {
        var header = AsfHeaderReader.Parse(await File.ReadAllBytesAsync(await GeneratedMedia.SmartStreamingLadderAsync()));
        Assert.Empty(header.MutualExclusions);
        var unknown = AdaptationLadder.Build(header, _ => 0);
        Assert.Equal(AsfStreamSet.Of(1, 2, 3), unknown.CandidateVideo);
        Assert.Equal(["{1}", "{2}", "{3}", "{3}", "{}"], unknown.Rungs.Select(r => r.Video.ToString()));

        // Measured: a stream that saves less than a tenth over the one above is no step of its own.
        long[] measured = [0, 850_000, 830_000, 150_000, 64_000];
        var ladder = AdaptationLadder.Build(header, n => measured[n], n => n == 3 ? 40_000 : 0);
        Assert.Equal(["{1}", "{3}", "{3}", "{}"], ladder.Rungs.Select(r => r.Video.ToString()));
        Assert.Equal(104_000, ladder.Rungs[2].Bitrate); // audio + the measured key frames of stream 3
    }

    [Fact]
    public void Link_estimate_sees_a_link_that_keeps_up_and_one_that_falls_behind()
    {
        var estimator = new ThroughputEstimator(TimeSpan.FromSeconds(3));
        // 4 s of a 400 kbit/s stream arriving in real time: 50 packets a second of 1000 bytes.
        for (var t = 0; t < 4000; t += 20) estimator.Observe(10_000 + t, 5_000 + t, 1000);
        var healthy = estimator.Estimate(14_000);
        Assert.True(healthy.HasWindow);
        Assert.InRange(healthy.Progress, 0.95, 1.05);
        Assert.InRange(healthy.ReceivedBitsPerSecond, 380_000, 420_000);
        Assert.InRange(healthy.BehindMs, 0, 50);

        // Then the link halves: the same packets take twice as long.
        for (var i = 0; i < 150; i++) estimator.Observe(14_000 + (i * 40), 9_000 + (i * 20), 1000);
        var slow = estimator.Estimate(20_000);
        Assert.InRange(slow.Progress, 0.45, 0.55);
        Assert.InRange(slow.ReceivedBitsPerSecond, 180_000, 220_000);
        Assert.InRange(slow.BehindMs, 2800, 3100);

        // Silence counts as falling behind too.
        Assert.True(estimator.Estimate(25_000).BehindMs > 7000);
    }

    [Fact]
    public void Adapter_steps_down_to_what_the_link_carries_and_climbs_back_after_a_hold_off()
    {
        var options = new AdaptationOptions { Window = TimeSpan.FromSeconds(2), BehindLimit = TimeSpan.FromSeconds(1), Settle = TimeSpan.FromSeconds(1), HoldOff = TimeSpan.FromSeconds(5) };
        var adapter = new UpstreamAdapter(options, null, new StreamBitrateMeter());
        var first = adapter.Initial(Declared, 0);
        Assert.Equal(0, adapter.Rung); // declared bitrates: no measuring, the top step
        Assert.Equal(AsfStreamSet.Of(1, 2), UpstreamSelection.Selected(first));

        // A 250 kbit/s link under the 564 kbit/s step: packets fall behind their send times.
        long now = 0, send = 0;
        AdaptationDecision? decision = null;
        while (decision is null && now < 20_000)
        {
            now += 40;
            send += 18; // media advances at 0.45 of real time
            adapter.Observe(now, send, 1250);
            if (now % 250 == 0) decision = adapter.Evaluate(now);
        }
        Assert.NotNull(decision);
        Assert.Equal(AdaptationReason.Congested, decision.Reason);
        Assert.Equal(2, decision.To); // 164 kbit/s fits 85 % of ~250; 364 does not
        Assert.True(now < 5_000, $"decided after {now} ms");
        adapter.Applied(decision, now, DateTimeOffset.UnixEpoch);

        // The link now keeps up; after the hold-off (four of them: the step above is over the measured link) one step up.
        var changedAt = now;
        decision = null;
        while (decision is null && now < changedAt + 60_000)
        {
            now += 40;
            send += 40;
            adapter.Observe(now, send, 820);
            if (now % 250 == 0) decision = adapter.Evaluate(now);
        }
        Assert.NotNull(decision);
        Assert.Equal((AdaptationReason.Recovered, 1), (decision.Reason, decision.To));
        Assert.InRange(now - changedAt, 20_000, 21_000);
        adapter.Applied(decision, now, DateTimeOffset.UnixEpoch);
        Assert.Equal(2, adapter.Snapshot.History.Count);
    }

    [Fact]
    public void Adapter_steps_one_down_while_the_link_carries_the_next_step()
    {
        var options = new AdaptationOptions { Window = TimeSpan.FromSeconds(2), BehindLimit = TimeSpan.FromSeconds(1), Settle = TimeSpan.FromSeconds(1), HoldOff = TimeSpan.FromSeconds(5) };
        var adapter = new UpstreamAdapter(options, null, new StreamBitrateMeter());
        adapter.Initial(Declared, 0);

        // A 400 kbit/s link: behind the 564 kbit/s top step, but it carries the 364 kbit/s step (though not within 85 %).
        long now = 0, send = 0;
        AdaptationDecision? decision = null;
        while (decision is null && now < 20_000)
        {
            now += 40;
            send += 28; // media advances at 0.7 of real time
            adapter.Observe(now, send, 2000);
            if (now % 250 == 0) decision = adapter.Evaluate(now);
        }
        Assert.NotNull(decision);
        Assert.Equal(AdaptationReason.Congested, decision.Reason);
        Assert.InRange(decision.Link.ReceivedBitsPerSecond, 364_000, 440_000);
        Assert.Equal(1, decision.To); // one step, not straight to the 164 kbit/s step
    }
}
