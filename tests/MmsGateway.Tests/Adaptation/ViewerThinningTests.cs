using MmsGateway.Tests.Streams;

namespace MmsGateway.Tests.Adaptation;

/// <summary>Smart streaming per viewer: one slow viewer is thinned for itself alone, the others get everything.</summary>
[Collection(TimingCollection.Name)]
public sealed class ViewerThinningTests
{
    [Fact]
    public async Task A_viewer_slower_than_the_stream_gets_key_frames_and_unbroken_audio_while_a_fast_one_gets_everything()
    {
        // A small ring (about 4.5 s of this ~470 kbit/s stream) so the slow viewer's lag crosses the thinning marks soon.
        await using var gateway = await GatewayHarness.StartAsync("--Gateway:RingBytes=262144", "--Gateway:SocketSendBufferBytes=16384",
            "--Kestrel:Limits:MaxResponseBufferSize=16384");
        await using var fast = RecordingViewer.Start(gateway.Http, "/streams/live/live.asf");
        // About 40 % of the stream's rate: enough for the audio and the key frames, not for every picture.
        await using var slow = RecordingViewer.StartSlow(gateway.BaseAddress, "/streams/live/live.asf", bytesPerSecond: 24_000);
        await Task.Delay(TimeSpan.FromSeconds(20));

        var thinned = (await gateway.MetricAsync("mmsgw_dropped_packets_total", "reason=\"viewer-keyframes-only\"") ?? 0)
            + (await gateway.MetricAsync("mmsgw_dropped_packets_total", "reason=\"viewer-audio-only\"") ?? 0);
        var metrics = (await gateway.Http.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("mmsgw_dropped", StringComparison.Ordinal) || l.StartsWith("mmsgw_viewer", StringComparison.Ordinal));
        Assert.True(thinned > 0, $"the slow viewer's thinning is counted; slow got {slow.Length} bytes; {string.Join("; ", metrics)}");
        Assert.Null(await gateway.MetricAsync("mmsgw_dropped_packets_total", "reason=\"slow-viewer\"")); // thinned, never cut off
        Assert.Equal(2, await gateway.MetricAsync("mmsgw_viewers", "stream=\"live\""));

        var slowMedia = ReceivedMedia.Parse(slow.Snapshot());
        var fastMedia = ReceivedMedia.Parse(fast.Snapshot());
        var video = slowMedia.Header.Streams.First(s => s.Type == Asf.Objects.AsfStreamType.Video).StreamNumber;
        // The fast viewer saw every picture; the slow one mostly key frames, and its audio never broke off.
        Assert.True(fastMedia.NonKeyVideoObjects.GetValueOrDefault(video) > 200, $"fast viewer non-key pictures: {fastMedia.NonKeyVideoObjects.GetValueOrDefault(video)}");
        Assert.True(slowMedia.NonKeyVideoObjects.GetValueOrDefault(video) < fastMedia.NonKeyVideoObjects.GetValueOrDefault(video) / 2,
            $"slow viewer non-key pictures: {slowMedia.NonKeyVideoObjects.GetValueOrDefault(video)}");
        var gap = slowMedia.LongestAudioGapMs();
        Assert.True(gap <= 1000, $"the slow viewer's audio has a gap of {gap} ms");
        Assert.True(slowMedia.ObjectsOf(slowMedia.AudioStream) > 100, "the slow viewer kept getting audio");

        // What the slow viewer got is a valid ASF stream a decoder reads without complaint.
        var path = Path.Combine(Directory.CreateTempSubdirectory("mmsgw-thin-").FullName, "slow.asf");
        await File.WriteAllBytesAsync(path, slowMedia.WholePackets);
        Assert.Equal(string.Empty, await Testing.ToolRunner.DecodeErrorsAsync(path));
    }
}
