using System.Buffers.Binary;
using MmsGateway.Asf;
using MmsGateway.Asf.Selection;
using MmsGateway.Mms.Mmsh;
using MmsGateway.Outputs;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Outputs;

/// <summary>
/// The in-place filter of a viewer's copied packets (Outputs/FilteredCopyWriter.cs), over real files' packets laid out
/// as LiveViewerPump lays them in the pipe's buffer: room for the framing's prefix, then the packet.
/// </summary>
public sealed class FilteredCopyWriterTests
{
    [SharedMediaTheory]
    [InlineData("mm_elephant.asf")]
    [InlineData("wine_wmvcore_test.wmv")]
    [InlineData(RealAsfPackets.Generated)]
    public async Task Unselected_streams_are_cut_out_in_place_and_what_is_left_is_a_valid_packet_of_the_same_size(string name)
    {
        var media = await RealAsfPackets.LoadAsync(name);
        var size = media.PacketSize;
        var audio = Assert.Single(media.Audio.Numbers);
        var selection = new AsfStreamSelection(media.Header);
        selection.Select([(0xFFFF, audio, ThinningLevel.Full)], unlistedOff: true); // audio only
        using var writer = new FilteredCopyWriter(ViewerFraming.Asf, selection, media.Header.AllStreams, size);

        int rebuilt = 0, skipped = 0;
        foreach (var packet in media.Packets)
        {
            var framed = (byte[])packet.Clone();
            var expected = RealAsfPackets.PayloadsOf(packet, size).Where(p => p.Stream == audio).ToList();
            var all = RealAsfPackets.PayloadsOf(packet, size).Count;

            var length = writer.Write(framed, size, 0);

            Assert.False(writer.PassesEverything); // the video is off: every packet carrying it must still be looked at
            if (expected.Count == 0)
            {
                Assert.Equal(0, length);
                skipped++;
                continue;
            }
            Assert.Equal(size, length);
            Assert.Equal(expected, RealAsfPackets.PayloadsOf(framed, size));
            if (expected.Count < all) rebuilt++;
            else Assert.Equal(packet, framed); // nothing to cut: the bytes are left as they were
        }
        Assert.True(rebuilt > 0, "no packet carried both audio and video");
        Assert.Equal(media.Packets.Count(p => !RealAsfPackets.PayloadsOf(p, size).Any(q => q.Stream == audio)), skipped);
    }

    [SharedMediaFact]
    public void A_selection_that_passes_everything_stops_parsing_until_the_selection_changes()
    {
        var media = RealAsfPackets.Load(SharedMedia.Path("asf", "mm_elephant.asf"));
        var size = media.PacketSize;
        var selection = new AsfStreamSelection(media.Header);
        selection.SelectAll();
        using var writer = new FilteredCopyWriter(ViewerFraming.Asf, selection, media.Header.AllStreams, size);
        Assert.False(writer.PassesEverything); // not known before the first packet

        var first = (byte[])media.Packets[0].Clone();
        Assert.Equal(size, writer.Write(first, size, 0));
        Assert.Equal(media.Packets[0], first);
        Assert.True(writer.PassesEverything);

        // Not parsed any more: bytes that are no ASF packet at all go out untouched.
        var garbage = new byte[size];
        new Random(11).NextBytes(garbage);
        garbage[0] = 0xFF; // an error-correction byte with a reserved length type: no parser would take it
        var copy = (byte[])garbage.Clone();
        Assert.Equal(size, writer.Write(copy, size, 1));
        Assert.Equal(garbage, copy);

        // A new thinning level: parsed again, so the same bytes are now refused.
        selection.Select(media.Video.Numbers.Select(v => (0xFFFF, v, ThinningLevel.KeyFramesOnly)), unlistedOff: false);
        writer.SelectionChanged();
        Assert.False(writer.PassesEverything);
        Assert.Throws<AsfFormatException>(() => writer.Write(garbage, size, 2));
    }

    [SharedMediaFact]
    public void After_a_resynchronisation_video_starts_at_a_key_frame_and_then_packets_pass_unparsed()
    {
        var media = RealAsfPackets.Load(SharedMedia.Path("asf", "mm_elephant.asf"));
        var size = media.PacketSize;
        var video = Assert.Single(media.Video.Numbers);
        var selection = new AsfStreamSelection(media.Header);
        selection.SelectAll();
        selection.Resynchronize(); // a live join mid-content
        using var writer = new FilteredCopyWriter(ViewerFraming.Asf, selection, media.Header.AllStreams, size);

        // Join where a frame that is no key frame begins: the video must wait for the next key frame.
        var all = media.Packets.Select(p => RealAsfPackets.PayloadsOf(p, size)).ToList();
        var join = all.FindIndex(1, ps => ps.Any(p => p.Stream == video && !p.KeyFrame && p.Offset == 0));
        Assert.True(join > 0);
        bool seenVideo = false;
        var i = join;
        for (; i < media.Packets.Count && !writer.PassesEverything; i++)
        {
            var framed = (byte[])media.Packets[i].Clone();
            if (writer.Write(framed, size, (uint)i) == 0) continue;
            foreach (var p in RealAsfPackets.PayloadsOf(framed, size).Where(p => p.Stream == video))
            {
                if (!seenVideo) Assert.True(p.KeyFrame && p.Offset == 0, $"video resumed at {p}");
                seenVideo = true;
            }
        }
        Assert.True(writer.PassesEverything, "never synchronised");
        Assert.True(seenVideo);
        Assert.True(i > join + 1, "the resynchronisation passed the first packet as it was");
    }

    [SharedMediaFact]
    public void Under_wmsp_framing_the_data_prefix_goes_in_front_of_the_kept_packet()
    {
        var media = RealAsfPackets.Load(SharedMedia.Path("asf", "mm_elephant.asf"));
        var size = media.PacketSize;
        var selection = new AsfStreamSelection(media.Header);
        selection.SelectAll();
        using var writer = new FilteredCopyWriter(ViewerFraming.CreateWmsp(), selection, media.Header.AllStreams, size);

        for (var i = 0; i < 3; i++)
        {
            var framed = new byte[MmshFraming.DataPrefixSize + size];
            media.Packets[i].CopyTo(framed, MmshFraming.DataPrefixSize);
            Assert.Equal(framed.Length, writer.Write(framed, size, 500u + (uint)i));
            Assert.Equal("$D"u8.ToArray(), framed[..2]);
            Assert.Equal(8 + size, BinaryPrimitives.ReadUInt16LittleEndian(framed.AsSpan(2)));
            Assert.Equal(500u + (uint)i, BinaryPrimitives.ReadUInt32LittleEndian(framed.AsSpan(4)));
            Assert.Equal((byte)i, framed[9]); // AF sequence numbers the viewer's chunks
            Assert.Equal(media.Packets[i], framed[MmshFraming.DataPrefixSize..]);
        }
    }
}
