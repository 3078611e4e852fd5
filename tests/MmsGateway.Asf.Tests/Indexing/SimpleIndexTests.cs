using MmsGateway.Asf.Indexing;
using MmsGateway.Testing;

namespace MmsGateway.Asf.Tests.Indexing;

public class SimpleIndexTests
{
    [SharedMediaFact]
    public void Elephant_index_is_read_and_round_trips()
    {
        var bytes = File.ReadAllBytes(SharedMedia.Path("asf", "mm_elephant.asf"));
        var header = AsfHeaderReader.Parse(bytes);
        var indexAt = header.Raw.Length + AsfDataObjectHeader.Size + 150 * header.PacketSize;
        var index = SimpleIndex.Read(bytes.AsSpan(indexAt), indexAt);

        Assert.Equal(32, index.Entries.Count); // MANIFEST.md
        Assert.Equal(SimpleIndex.DefaultInterval, index.EntryTimeInterval);
        Assert.All(index.Entries, e => Assert.InRange(e.PacketNumber, 0u, 149u));
        Assert.Equal(bytes.AsSpan(indexAt, index.ByteSize).ToArray(), index.ToBytes());
    }

    [Fact]
    public void Builder_points_each_second_at_the_last_key_frame_before_it()
    {
        var builder = new SimpleIndexBuilder();
        // Key frames at 0 ms (packets 0-1), 1500 ms (packet 5-7) and 3200 ms (packet 12).
        builder.AddPayload(0, 1, isKeyFrame: true, startsObject: true, presentationTimeMs: 0);
        builder.AddPayload(1, 1, isKeyFrame: true, startsObject: false, presentationTimeMs: 0);
        builder.AddPayload(3, 2, isKeyFrame: false, startsObject: true, presentationTimeMs: 500);
        builder.AddPayload(5, 3, isKeyFrame: true, startsObject: true, presentationTimeMs: 1500);
        builder.AddPayload(7, 3, isKeyFrame: true, startsObject: false, presentationTimeMs: 1500);
        builder.AddPayload(12, 4, isKeyFrame: true, startsObject: true, presentationTimeMs: 3200);

        var index = builder.Build(Guid.Empty, playDuration: 40_000_000);

        Assert.Equal([0u, 0u, 5u, 5u], index.Entries.Select(e => e.PacketNumber));
        Assert.Equal([(ushort)2, (ushort)2, (ushort)3, (ushort)3], index.Entries.Select(e => e.PacketCount));
        Assert.Equal(3u, index.MaximumPacketCount);
        Assert.Equal(5u, index.PacketFor(2100));
        Assert.Equal(5u, index.PacketFor(99_000)); // past the end: the last entry
    }

    [Fact]
    public void Index_with_more_entries_than_bytes_is_a_format_error()
    {
        var index = new SimpleIndex { FileId = Guid.Empty, EntryTimeInterval = 10_000_000, MaximumPacketCount = 1, Entries = [new(0, 1)] };
        var bytes = index.ToBytes();
        BitConverter.TryWriteBytes(bytes.AsSpan(52), 1_000_000u);
        Assert.Throws<AsfFormatException>(() => SimpleIndex.Read(bytes, 0));
    }
}
