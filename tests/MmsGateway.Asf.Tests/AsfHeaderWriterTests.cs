using MmsGateway.Testing;
using MmsGateway.Asf.Objects;

namespace MmsGateway.Asf.Tests;

public class AsfHeaderWriterTests
{
    [Fact]
    public void Subset_header_drops_every_trace_of_removed_streams()
    {
        var source = AsfHeaderReader.Parse(TestHeaders.MultiBitrate());

        var bytes = AsfHeaderWriter.Write(source, AsfStreamSet.Of(1, 3), new AsfDataLayout.Unchanged());
        var written = AsfHeaderReader.Parse(bytes);

        Assert.Equal([1, 3], written.Streams.Select(s => s.StreamNumber));
        Assert.Equal([1, 3], written.Bitrates.Select(b => b.StreamNumber));
        Assert.Equal([3], written.ExtendedStreams.Select(e => e.StreamNumber));
        Assert.Empty(written.MutualExclusions); // one member left: the exclusion is dropped
        Assert.Equal([1, 3], written.Priorities.Select(p => p.StreamNumber));
        Assert.Equal([3], Assert.Single(written.BandwidthSharing).StreamNumbers);
        // What is not about streams survives untouched.
        Assert.Equal(source.ContentDescription, written.ContentDescription);
        Assert.Equal(source.ScriptCommands, written.ScriptCommands);
        Assert.Equal(source.FileProperties, written.FileProperties);
        Assert.True(AsfDataObjectHeader.TryRead(bytes.AsSpan(written.Raw.Length), 0, out var data));
        Assert.Equal(TestHeaders.FileId, data.FileId);
    }

    [Fact]
    public void Keeping_two_of_three_alternatives_keeps_the_exclusion()
    {
        var source = AsfHeaderReader.Parse(TestHeaders.MultiBitrate());
        var written = AsfHeaderReader.Parse(AsfHeaderWriter.Write(source, AsfStreamSet.Of(1, 2, 4), new AsfDataLayout.Unchanged()));
        Assert.Equal([1, 2, 4], written.Streams.Select(s => s.StreamNumber));
        Assert.True(written.FindStream(4)!.IsEmbedded);
        Assert.All(written.MutualExclusions, m => Assert.Equal([2, 4], m.StreamNumbers));
        Assert.Equal(2, written.MutualExclusions.Count);
    }

    [Fact]
    public void Broadcast_layout_writes_what_real_live_headers_carry()
    {
        var source = AsfHeaderReader.Parse(TestHeaders.MultiBitrate());
        var bytes = AsfHeaderWriter.Write(source, source.AllStreams, new AsfDataLayout.Broadcast());
        var written = AsfHeaderReader.Parse(bytes);
        var fp = written.FileProperties;
        Assert.Equal(0x09u, fp.Flags);
        Assert.Equal(0xFFFF_FFFFul, fp.DataPacketsCount);
        Assert.Equal(0ul, fp.PlayDuration);
        Assert.Equal((ulong)bytes.Length, fp.FileSize);
        Assert.True(AsfDataObjectHeader.TryRead(bytes.AsSpan(written.Raw.Length), 0, out var data));
        Assert.Equal(50ul, data.ObjectSize); // never 0: libmms spins on a zero size (docs/protocol/asf.md#s4.1)
        Assert.Equal(0ul, data.TotalDataPackets);
    }

    [Fact]
    public void File_layout_writes_sizes_counts_and_seekable()
    {
        var source = AsfHeaderReader.Parse(TestHeaders.MultiBitrate(broadcast: true));
        var bytes = AsfHeaderWriter.Write(source, AsfStreamSet.Of(1, 2), new AsfDataLayout.File(7, 50_000_000, 40_000_000, 62));
        var written = AsfHeaderReader.Parse(bytes);
        var fp = written.FileProperties;
        Assert.False(fp.IsBroadcast);
        Assert.True(fp.IsSeekable);
        Assert.Equal(7ul, fp.DataPacketsCount);
        Assert.Equal((ulong)(bytes.Length + 7 * TestHeaders.PacketSize + 62), fp.FileSize);
        Assert.True(AsfDataObjectHeader.TryRead(bytes.AsSpan(written.Raw.Length), 0, out var data));
        Assert.Equal(50ul + 7 * TestHeaders.PacketSize, data.ObjectSize);
        Assert.Equal(7ul, data.TotalDataPackets);
        Assert.Equal(TimeSpan.FromMilliseconds(5000 - 3100), fp.Duration);
    }

    [Fact]
    public void Header_object_count_matches_the_objects_written()
    {
        var source = AsfHeaderReader.Parse(TestHeaders.MultiBitrate());
        var bytes = AsfHeaderWriter.Write(source, AsfStreamSet.Of(1, 3), new AsfDataLayout.Unchanged());
        var written = AsfHeaderReader.Parse(bytes);
        Assert.Equal((uint)written.Objects.Count, BitConverter.ToUInt32(bytes, 24));
        Assert.Equal(source.Objects.Count - 2, written.Objects.Count); // stream 2's Stream Properties and the exclusion
        Assert.DoesNotContain(written.Objects, o => o.Id == AsfGuids.BitrateMutualExclusion);
        Assert.Equal(AsfStreamType.Audio, written.FindStream(1)!.Type);
    }
}
