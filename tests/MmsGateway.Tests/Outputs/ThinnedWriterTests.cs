using System.Buffers;
using System.Buffers.Binary;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Outputs;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Outputs;

/// <summary>
/// A lagging viewer's writer (Outputs/ThinnedWriter.cs): real files' packets thinned as LiveViewerPump thins them (video
/// to key frames only, or off; audio untouched), re-packed, and read back packet by packet.
/// </summary>
public sealed class ThinnedWriterTests
{
    [SharedMediaTheory]
    [InlineData("mm_elephant.asf", ThinningLevel.KeyFramesOnly)]
    [InlineData("mm_elephant.asf", ThinningLevel.Off)]
    [InlineData("wine_wmvcore_test.wmv", ThinningLevel.KeyFramesOnly)]
    [InlineData("wine_wmvcore_test.wmv", ThinningLevel.Off)]
    [InlineData(RealAsfPackets.Generated, ThinningLevel.KeyFramesOnly)]
    [InlineData(RealAsfPackets.Generated, ThinningLevel.Off)]
    public async Task Thinned_video_keeps_every_audio_payload_in_order_in_fewer_valid_full_size_packets(string name, ThinningLevel level)
    {
        var media = await RealAsfPackets.LoadAsync(name);
        var size = media.PacketSize;
        var input = media.Packets.SelectMany(p => RealAsfPackets.PayloadsOf(p, size)).ToList();
        Assert.Contains(input, p => media.Video.Contains(p.Stream) && !p.KeyFrame); // something to thin away
        var writer = new ThinnedWriter(ViewerFraming.Asf, Thinned(media, level), size);
        var output = new ArrayBufferWriter<byte>();

        long written = 0, dropped = 0;
        for (var i = 0; i < media.Packets.Count; i++)
        {
            media.Packets[i].CopyTo(writer.Source);
            written += writer.Write(output, size, (uint)i, ref dropped);
        }
        written += writer.WritePending(output);
        Assert.False(writer.HasPending);

        Assert.Equal(output.WrittenCount, written);
        Assert.Equal(0, output.WrittenCount % size); // whole packets of the header's size, nothing else
        var packets = output.WrittenCount / size;
        var kept = Enumerable.Range(0, packets).SelectMany(i => RealAsfPackets.PayloadsOf(output.WrittenSpan.Slice(i * size, size), size)).ToList();

        // Audio is never thinned: every payload, byte for byte, in its order.
        Assert.Equal(input.Where(p => media.Audio.Contains(p.Stream)), kept.Where(p => media.Audio.Contains(p.Stream)));
        // Video: the key frames' payloads only, or none.
        var video = input.Where(p => media.Video.Contains(p.Stream) && level == ThinningLevel.KeyFramesOnly && p.KeyFrame);
        Assert.Equal(video, kept.Where(p => media.Video.Contains(p.Stream)));
        Assert.Equal(input.Count(p => media.Audio.Contains(p.Stream) || (level == ThinningLevel.KeyFramesOnly && p.KeyFrame && media.Video.Contains(p.Stream))), kept.Count);

        // Re-packing saves what thinning is for: once more than a packet's worth of video is gone, fewer packets go out
        // than came in; each one missing was counted as dropped.
        var removed = input.Except(kept).Sum(p => (long)p.DataLength);
        Assert.True(removed > size ? packets < media.Packets.Count : packets <= media.Packets.Count, $"{packets} packets out of {media.Packets.Count}, {removed} bytes removed");
        Assert.True(dropped >= media.Packets.Count - packets && dropped <= media.Packets.Count, $"dropped {dropped}, {packets} of {media.Packets.Count} written");
    }

    [SharedMediaFact]
    public void A_packed_packet_goes_out_once_the_newest_send_time_is_half_a_second_past_it()
    {
        var media = RealAsfPackets.Load(SharedMedia.Path("asf", "mm_elephant.asf"));
        var size = media.PacketSize;
        var writer = new ThinnedWriter(ViewerFraming.Asf, Thinned(media, ThinningLevel.Off), size);
        var output = new ArrayBufferWriter<byte>();
        long dropped = 0;

        // The first packet whose audio waits to be packed rather than go out at once.
        var i = 0;
        for (; i < media.Packets.Count && !writer.HasPending; i++)
        {
            media.Packets[i].CopyTo(writer.Source);
            Assert.Equal(0, writer.Write(output, size, (uint)i, ref dropped));
        }
        Assert.True(writer.HasPending, "no packet of audio was held for packing");
        var held = RealAsfPackets.PayloadsOf(media.Packets[i - 1], size).Where(p => media.Audio.Contains(p.Stream)).ToList();
        var sendTime = RealAsfPackets.SendTimeOf(media.Packets[i - 1], size);

        Assert.Equal(0, writer.WriteIfHeldTooLong(output, sendTime + ThinnedWriter.PackHoldMs - 1));
        Assert.True(writer.HasPending);
        Assert.Equal(0, output.WrittenCount);

        Assert.Equal(size, writer.WriteIfHeldTooLong(output, sendTime + ThinnedWriter.PackHoldMs));
        Assert.False(writer.HasPending);
        Assert.Equal(held, RealAsfPackets.PayloadsOf(output.WrittenSpan, size));
        Assert.Equal(sendTime, RealAsfPackets.SendTimeOf(output.WrittenSpan, size)); // the send time of its first payload's packet

        // Nothing waiting: nothing written, whatever the clock says.
        Assert.Equal(0, writer.WriteIfHeldTooLong(output, uint.MaxValue));
        Assert.Equal(0, writer.WritePending(output));
        Assert.Equal(size, output.WrittenCount);
    }

    [SharedMediaFact]
    public void Under_wmsp_framing_each_packet_is_a_data_chunk_under_the_last_location_id_with_a_continuous_af_sequence()
    {
        var media = RealAsfPackets.Load(SharedMedia.Path("asf", "mm_elephant.asf"));
        var size = media.PacketSize;
        var writer = new ThinnedWriter(ViewerFraming.CreateWmsp(), Thinned(media, ThinningLevel.KeyFramesOnly), size);
        var output = new ArrayBufferWriter<byte>();
        long dropped = 0;
        var lastSequenceBefore = new List<uint>(); // per chunk: the location id of the last packet written before it
        const uint firstLocation = 1000;
        for (var i = 0; i < media.Packets.Count; i++)
        {
            media.Packets[i].CopyTo(writer.Source);
            var before = output.WrittenCount;
            writer.Write(output, size, firstLocation + (uint)i, ref dropped);
            for (var n = (output.WrittenCount - before) / (MmshFraming.DataPrefixSize + size); n > 0; n--) lastSequenceBefore.Add(firstLocation + (uint)i);
        }
        var last = firstLocation + (uint)media.Packets.Count - 1;
        if (writer.WritePending(output) > 0) lastSequenceBefore.Add(last);

        var chunk = MmshFraming.DataPrefixSize + size;
        Assert.Equal(0, output.WrittenCount % chunk);
        Assert.Equal(lastSequenceBefore.Count, output.WrittenCount / chunk);
        for (var c = 0; c < lastSequenceBefore.Count; c++)
        {
            var bytes = output.WrittenSpan.Slice(c * chunk, chunk);
            Assert.Equal((byte)'$', bytes[0]);
            Assert.Equal((byte)'D', bytes[1]);
            Assert.Equal(8 + size, BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]));
            Assert.Equal(lastSequenceBefore[c], BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]));
            Assert.Equal((byte)(c % 255), bytes[9]); // AF sequence, MS-WMSP 2.2.3.1.2
            Assert.NotEmpty(RealAsfPackets.PayloadsOf(bytes[MmshFraming.DataPrefixSize..], size));
        }
    }

    /// <summary>The selection LiveViewerPump gives a lagging viewer: every stream on, then its video at <paramref name="level"/>.</summary>
    private static AsfStreamSelection Thinned(RealAsfPackets media, ThinningLevel level)
    {
        var selection = new AsfStreamSelection(media.Header);
        selection.Select(media.Header.AllStreams.Numbers.Select(n => (0xFFFF, n, ThinningLevel.Full)), unlistedOff: true);
        selection.Select(media.Video.Numbers.Select(v => (0xFFFF, v, level)), unlistedOff: false);
        return selection;
    }
}
