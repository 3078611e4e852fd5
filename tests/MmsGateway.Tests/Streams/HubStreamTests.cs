using MmsGateway.Asf;
using MmsGateway.Streams;
using MmsGateway.Testing;

namespace MmsGateway.Tests.Streams;

/// <summary>What a hub stream works out once and shares between its viewers.</summary>
public sealed class HubStreamTests
{
    [Fact]
    public async Task A_viewer_header_is_written_once_per_selection_and_is_what_the_header_writer_gives()
    {
        var header = AsfHeaderReader.Parse(await File.ReadAllBytesAsync(await GeneratedMedia.MultiBitrateAsync()));
        var stream = new HubStream(1, header, header.AllStreams, header.AllStreams, new PacketRing(16, header.PacketSize), new MmsGateway.Adaptation.StreamBitrateMeter());
        var low = AsfStreamSet.Of(3, 4);
        var all = header.AllStreams;

        var first = stream.ViewerHeader(low);
        Assert.Same(first, stream.ViewerHeader(low));
        Assert.Equal(AsfHeaderWriter.Write(header, low, new AsfDataLayout.Broadcast()), first);

        var other = stream.ViewerHeader(all);
        Assert.NotSame(first, other);
        Assert.Equal(AsfHeaderWriter.Write(header, all, new AsfDataLayout.Broadcast()), other);
        // The rewritten header reads back with only the selected streams.
        Assert.Equal([3, 4], AsfHeaderReader.Parse(first).Streams.Select(s => (int)s.StreamNumber));
    }
}
