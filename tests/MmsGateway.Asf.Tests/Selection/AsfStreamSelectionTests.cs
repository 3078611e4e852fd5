using MmsGateway.Testing;
using MmsGateway.Asf.Selection;

namespace MmsGateway.Asf.Tests.Selection;

/// <summary><see cref="AsfStreamSelection.PassesUnchanged"/>: when the live fan-out may skip parsing a packet.</summary>
public class AsfStreamSelectionTests
{
    private static readonly AsfHeader Header = AsfHeaderReader.Parse(TestHeaders.MultiBitrate(broadcast: true));

    [Fact]
    public void Passes_unchanged_only_when_every_carried_stream_is_delivered_in_full_and_synchronised()
    {
        var all = Header.AllStreams;
        var selection = new AsfStreamSelection(Header);
        selection.SelectAll();
        Assert.True(selection.PassesUnchanged(all));

        // A join mid-content waits for clean starts: packets must be looked at until then.
        selection.Resynchronize();
        Assert.False(selection.PassesUnchanged(all));

        // One video stream off: packets carrying it need filtering, packets of the others do not.
        var other = new AsfStreamSelection(Header);
        other.Select([(0xFFFF, 1, ThinningLevel.Full), (0xFFFF, 2, ThinningLevel.Full)], unlistedOff: true);
        Assert.False(other.PassesUnchanged(all));
        Assert.True(other.PassesUnchanged(AsfStreamSet.Of(1, 2)));

        // Thinning to key frames changes payloads: no pass-through.
        other.Select([(0xFFFF, 2, ThinningLevel.KeyFramesOnly)], unlistedOff: false);
        Assert.False(other.PassesUnchanged(AsfStreamSet.Of(1, 2)));
    }
}
